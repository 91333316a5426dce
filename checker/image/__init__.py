"""Reading container images (archives, OCI layouts, an engine's images) layer by layer."""
