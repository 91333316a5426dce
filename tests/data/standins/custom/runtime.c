/* A minimal custom runtime in C: answers every event with {"echo": EVENT} through the Lambda
 * runtime API. Built static it runs on any glibc; built dynamically on a newer host it needs
 * that host's glibc symbol versions (what the GLIBC test shows). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char host[256];
static struct sockaddr_in api_address;

static int connect_api(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&api_address, sizeof api_address) != 0) exit(2);
    return fd;
}

/* Send one request, read the whole answer (Connection: close) into buf; returns its length. */
static size_t exchange(const char *head, const char *body, char *buf, size_t cap) {
    int fd = connect_api();
    dprintf(fd, "%sHost: %s\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s", head, host,
            strlen(body), body);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < cap && (got = read(fd, buf + used, cap - 1 - used)) > 0) used += (size_t)got;
    buf[used] = '\0';
    close(fd);
    return used;
}

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    unsigned port;
    if (api == NULL || sscanf(api, "%255[^:]:%u", host, &port) != 2) return 2;
    api_address.sin_family = AF_INET;
    api_address.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &api_address.sin_addr) != 1) return 2;
    static char answer[1 << 20], reply[(1 << 20) + 64], head[512];
    for (;;) {
        exchange("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n", "", answer, sizeof answer);
        char *id = strcasestr(answer, "Lambda-Runtime-Aws-Request-Id: ");
        char *event = strstr(answer, "\r\n\r\n");
        if (id == NULL || event == NULL) return 3;
        id += strlen("Lambda-Runtime-Aws-Request-Id: ");
        id[strcspn(id, "\r\n")] = '\0';
        snprintf(reply, sizeof reply, "{\"echo\": %s}", event + 4);
        snprintf(head, sizeof head,
                 "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\n", id);
        exchange(head, reply, answer, sizeof answer);
    }
}
