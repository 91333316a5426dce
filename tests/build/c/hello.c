/* Plain C program: with glibc >= 2.34 it needs __libc_start_main@GLIBC_2.34. */
#include <stdio.h>

int main(void) {
    puts("hello");
    return 0;
}
