"""The runtime catalog: the model, its schema, loading runtimes/ and --runtime-file, and runtimes
derived from images."""
