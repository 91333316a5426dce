/* A stand-in for a runtime library: its soname and version node come from the link flags. */
int stub_symbol(void) { return 0; }
