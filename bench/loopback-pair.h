// What the bench C probes share: two processes joined by one loopback TCP connection (TCP_NODELAY, blocking), whole
// messages each way, and a sort for medians. Header-only: each probe is one gcc invocation (see its .sh).
#ifndef HYC_BENCH_LOOPBACK_PAIR_H
#define HYC_BENCH_LOOPBACK_PAIR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

// All n bytes, or the process ends naming the call that failed.
static void exact(int fd, char *buf, size_t n, int writing) {
    size_t done = 0;
    while (done < n) {
        ssize_t k = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
        if (k <= 0) die(writing ? "write" : "read");
        done += (size_t)k;
    }
}

// One whole message of n bytes; 0 when the peer closed the connection (how the parent says it is done).
static int next_message(int fd, char *buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t k = read(fd, buf + done, n - done);
        if (k <= 0) return 0;
        done += (size_t)k;
    }
    return 1;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// A listener on a free loopback port, its address in *addr; call before fork so both sides know it.
static int loopback_listen(struct sockaddr_in *addr) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) die("socket");
    *addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)addr, sizeof *addr) < 0) die("bind");
    socklen_t len = sizeof *addr;
    if (getsockname(listener, (struct sockaddr *)addr, &len) < 0) die("getsockname");
    if (listen(listener, 1) < 0) die("listen");
    return listener;
}

static void no_delay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int loopback_accept(int listener) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) die("accept");
    no_delay(fd);
    return fd;
}

static int loopback_connect(const struct sockaddr_in *addr) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0) die("connect");
    no_delay(fd);
    return fd;
}

#endif
