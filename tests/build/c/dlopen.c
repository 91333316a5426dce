/* The dynamic loader as an oracle: dlopen(argv[1]) and print "loaded" or the loader's error. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    void *handle = dlopen(argv[1], RTLD_NOW);
    puts(handle ? "loaded" : dlerror());
    return handle ? 0 : 1;
}
