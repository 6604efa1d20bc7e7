// What one send() of a collective's part costs on this machine when the peer is waiting for it, as in hyc's TP
// collectives over TCP: two processes each compute for `work_us`, send `bytes` to the other and wait for the other's
// part, `rounds` times. "sleep": the waiting side blocks in poll(), so every send also wakes it (what a rank thread does
// after its short spin); "spin": it polls without blocking. Over loopback TCP (TCP_NODELAY) and, for scale, over a Unix
// socketpair. Prints one JSON line: the median and mean microseconds inside send() per message, per process, for each of the four.
// Usage: exchange-send [work_us=200] [bytes=3237] [rounds=3000]. Build and run: bench/exchange-send.sh
#define _GNU_SOURCE
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "loopback-pair.h"

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void busy(double us) {
    double start = now_us();
    while (now_us() - start < us) {
    }
}

// Both ends of a connection: over loopback TCP or a Unix socketpair.
static void connect_pair(int tcp, int fds[2]) {
    if (!tcp) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) die("socketpair");
        return;
    }

    struct sockaddr_in addr;
    int listener = loopback_listen(&addr);
    fds[0] = loopback_connect(&addr);
    fds[1] = loopback_accept(listener);
    close(listener);
}

// One side's loop: its median and mean microseconds in send(). The sides' work differs by 10%, as two ranks' halves do.
static void exchange(int fd, int side, double work_us, size_t bytes, int rounds, int spin, double out[2]) {
    char *buf = malloc(bytes);
    double *in_send = malloc(sizeof(double) * (size_t)rounds);
    if (!buf || !in_send) die("malloc");
    memset(buf, side, bytes);
    for (int i = 0; i < rounds; i++) {
        busy(side ? work_us : work_us * 1.1);
        double start = now_us();
        exact(fd, buf, bytes, 1);
        in_send[i] = now_us() - start;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (poll(&p, 1, spin ? 0 : 1000) == 0) {
        }
        if (!next_message(fd, buf, bytes)) die("peer closed");
    }
    double sum = 0;
    for (int i = 0; i < rounds; i++) {
        sum += in_send[i];
    }
    qsort(in_send, (size_t)rounds, sizeof(double), compare_doubles);
    out[0] = in_send[rounds / 2];
    out[1] = sum / rounds;
    free(in_send);
    free(buf);
}

// Each side's median and mean: out[0..1] the parent's, out[2..3] the child's.
static void run(int tcp, int spin, double work_us, size_t bytes, int rounds, double out[4]) {
    int fds[2], report[2];
    connect_pair(tcp, fds);
    if (pipe(report) < 0) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        close(fds[0]);
        double mine[2];
        exchange(fds[1], 1, work_us, bytes, rounds, spin, mine);
        exact(report[1], (char *)mine, sizeof mine, 1);
        _exit(0);
    }
    close(fds[1]);
    exchange(fds[0], 0, work_us, bytes, rounds, spin, out);
    exact(report[0], (char *)&out[2], 2 * sizeof(double), 0);
    waitpid(child, NULL, 0);
    close(fds[0]);
    close(report[0]);
    close(report[1]);
}

int main(int argc, char **argv) {
    double work_us = argc > 1 ? atof(argv[1]) : 200;
    size_t bytes = argc > 2 ? (size_t)atol(argv[2]) : 3237;  // a mini TP2 part: 1,600 bytes of bf16 and its header, twice
    int rounds = argc > 3 ? atoi(argv[3]) : 3000;
    if (work_us < 0 || bytes < 1 || bytes > (1 << 20) || rounds < 10) {
        fprintf(stderr, "usage: exchange-send [work_us>=0] [bytes 1..1048576] [rounds>=10]\n");
        return 2;
    }

    const char *names[4] = {"tcp_sleep", "tcp_spin", "unix_sleep", "unix_spin"};
    printf("{\"work_us\": %.0f, \"bytes\": %zu, \"rounds\": %d", work_us, bytes, rounds);
    for (int k = 0; k < 4; k++) {
        double us[4];
        run(k < 2, k % 2, work_us, bytes, rounds, us);
        printf(", \"%s_send_us\": {\"median\": [%.1f, %.1f], \"mean\": [%.1f, %.1f]}", names[k], us[0], us[2], us[1], us[3]);
    }
    printf("}\n");
    return 0;
}
