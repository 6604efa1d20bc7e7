// Round trip of a small message between two processes over loopback TCP (TCP_NODELAY, blocking sockets): the floor
// under every data-plane hop between agents on one machine, since each hop wakes a thread in another process.
// Usage: loopback-latency [bytes=1600] [rounds=20000] [gap_us=0]; prints one JSON line (microseconds). With a gap the
// sender sleeps between rounds, so the echo side waits idle as a rank does between steps (its core may have gone to
// sleep, and waking it is part of the hop).
// Build and run: bench/loopback-latency.sh
#define _GNU_SOURCE
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "loopback-pair.h"

int main(int argc, char **argv) {
    size_t bytes = argc > 1 ? (size_t)atol(argv[1]) : 1600;  // a decode step's bf16 activations at hidden 800
    int rounds = argc > 2 ? atoi(argv[2]) : 20000;
    long gap_us = argc > 3 ? atol(argv[3]) : 0;
    if (bytes < 1 || rounds < 10 || gap_us < 0) {
        fprintf(stderr, "usage: loopback-latency [bytes>=1] [rounds>=10] [gap_us>=0]\n");
        return 2;
    }

    struct sockaddr_in addr;
    int listener = loopback_listen(&addr);

    char *buf = malloc(bytes);
    if (!buf) die("malloc");
    memset(buf, 7, bytes);
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        // The echo side: read a message, send it back, until the parent closes.
        int fd = loopback_accept(listener);
        while (next_message(fd, buf, bytes)) {
            exact(fd, buf, bytes, 1);
        }
        _exit(0);
    }

    close(listener);
    int fd = loopback_connect(&addr);
    double *rtt = malloc(sizeof(double) * (size_t)rounds);
    if (!rtt) die("malloc");
    int warmup = gap_us > 0 ? 10 : 1000;
    for (int i = -warmup; i < rounds; i++) {
        if (gap_us > 0) {
            struct timespec pause = {.tv_sec = gap_us / 1000000, .tv_nsec = (gap_us % 1000000) * 1000};
            nanosleep(&pause, NULL);
        }

        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        exact(fd, buf, bytes, 1);
        exact(fd, buf, bytes, 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (i >= 0) rtt[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    }

    close(fd);
    waitpid(child, NULL, 0);
    qsort(rtt, (size_t)rounds, sizeof(double), compare_doubles);
    printf("{\"bytes\":%zu,\"rounds\":%d,\"gap_us\":%ld,\"rtt_us_median\":%.1f,\"rtt_us_p10\":%.1f,\"rtt_us_p90\":%.1f,\"one_way_us_median\":%.1f}\n",
           bytes, rounds, gap_us, rtt[rounds / 2], rtt[rounds / 10], rtt[rounds * 9 / 10], rtt[rounds / 2] / 2);
    return 0;
}
