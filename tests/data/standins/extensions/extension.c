/* A minimal Lambda extension in C: registers under its own file name for INVOKE and SHUTDOWN,
 * prints one line per event, and leaves on SHUTDOWN. Built static it runs in any image of its
 * architecture; built for the other architecture it shows what the emulator does with it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char host[256];
static struct sockaddr_in api_address;

/* Send one request, read the whole answer (Connection: close) into buf; returns its length. */
static size_t exchange(const char *head, const char *body, char *buf, size_t cap) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&api_address, sizeof api_address) != 0) exit(2);
    dprintf(fd, "%sHost: %s\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s", head, host,
            strlen(body), body);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < cap && (got = read(fd, buf + used, cap - 1 - used)) > 0) used += (size_t)got;
    buf[used] = '\0';
    close(fd);
    return used;
}

int main(int argc, char **argv) {
    (void)argc;
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    unsigned port;
    if (api == NULL || sscanf(api, "%255[^:]:%u", host, &port) != 2) return 2;
    api_address.sin_family = AF_INET;
    api_address.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &api_address.sin_addr) != 1) return 2;
    const char *name = basename(argv[0]);
    static char answer[1 << 16], head[512], id[128];
    snprintf(head, sizeof head,
             "POST /2020-01-01/extension/register HTTP/1.1\r\nLambda-Extension-Name: %s\r\n", name);
    exchange(head, "{\"events\": [\"INVOKE\", \"SHUTDOWN\"]}", answer, sizeof answer);
    char *found = strcasestr(answer, "Lambda-Extension-Identifier: ");
    if (found == NULL) return 3;
    found += strlen("Lambda-Extension-Identifier: ");
    snprintf(id, sizeof id, "%.*s", (int)strcspn(found, "\r\n"), found);
    printf("%s: registered\n", name);
    fflush(stdout);
    snprintf(head, sizeof head,
             "GET /2020-01-01/extension/event/next HTTP/1.1\r\nLambda-Extension-Identifier: %s\r\n",
             id);
    for (;;) {
        exchange(head, "", answer, sizeof answer);
        int shutdown = strstr(answer, "\"SHUTDOWN\"") != NULL;
        printf("%s: %s\n", name, shutdown ? "shutdown" : "invoke");
        fflush(stdout);
        if (shutdown) return 0;
    }
}
