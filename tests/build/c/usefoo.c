/* Uses both versions of libfoo: needs foo_old@LIBFOO_1.0 and foo_new@LIBFOO_2.0. */
extern int foo_old(void);
extern int foo_new(void);

int main(void) { return foo_old() + foo_new() - 3; }
