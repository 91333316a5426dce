/* A shared library with its own version nodes (see libfoo.map). No includes, so it also
 * builds freestanding for other targets (-c, then ld). */
int foo_old(void) { return 1; }
int foo_new(void) { return 2; }
