/* Calls fcntl(); built with -D_FILE_OFFSET_BITS=64, glibc >= 2.28 binds it to
 * fcntl64@GLIBC_2.28. */
#include <fcntl.h>
#include <stdio.h>

int main(void) {
    int flags = fcntl(0, F_GETFL);
    printf("%d\n", flags);
    return 0;
}
