// What this machine charges for splitting a step's compute between two processes that take turns, as PP2 stages do,
// with no hyc, .NET or libtorch involved: the floor under `hyc bench cluster`'s PP2 overhead on this host.
// Each round ("step") computes two halves, A then B: a float32 matrix-vector product repeated over a working set of
// its own (a stage's weights). "single": one process computes A and B on one thread. "pair": the parent computes A,
// sends `bytes` over loopback TCP (TCP_NODELAY, blocking), a second process computes B and sends `bytes` back. Blocks
// of rounds alternate single/pair in ABBA order; the overhead is the median of the paired blocks' differences.
// Usage: alternating-compute [work_us=4500 per half] [mib=16 per half] [rounds=200 per block] [blocks=8] [pin=0]
//   pin=1 puts the parent on core 0 and the second process on core 1. Prints one JSON line (milliseconds per step).
// Build and run: bench/alternating-compute.sh
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "loopback-pair.h"

enum { Bytes = 1600, Cols = 1024 };

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), compare_doubles);
    return v[n / 2];
}

typedef struct {
    float *w, *x, *y;
    size_t rows;
    int sweeps;
} Half;

// One half's compute: `sweeps` passes of y = W x over its own W, y fed back into x so nothing can be skipped.
static float compute(Half *h) {
    float acc = 0;
    for (int s = 0; s < h->sweeps; s++) {
        for (size_t r = 0; r < h->rows; r++) {
            const float *row = h->w + r * Cols;
            float sum = 0;
            for (int c = 0; c < Cols; c++) sum += row[c] * h->x[c];
            h->y[r] = sum;
        }
        for (int c = 0; c < Cols; c++) h->x[c] = h->y[(size_t)c % h->rows] * 1e-3f + 1.0f;
        acc += h->y[0];
    }
    return acc;
}

static Half make_half(size_t mib, unsigned seed) {
    Half h;
    h.rows = mib * 1024 * 1024 / (Cols * sizeof(float));
    if (h.rows < Cols) h.rows = Cols;
    h.w = malloc(h.rows * Cols * sizeof(float));
    h.x = malloc(Cols * sizeof(float));
    h.y = malloc(h.rows * sizeof(float));
    if (!h.w || !h.x || !h.y) die("malloc");
    srand(seed);
    for (size_t i = 0; i < h.rows * Cols; i++) h.w[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (int c = 0; c < Cols; c++) h.x[c] = 1.0f;
    h.sweeps = 1;
    return h;
}

static void pin(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

int main(int argc, char **argv) {
    double work_us = argc > 1 ? atof(argv[1]) : 4500;
    size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 16;
    int rounds = argc > 3 ? atoi(argv[3]) : 200;
    int blocks = argc > 4 ? atoi(argv[4]) : 8;
    int pinned = argc > 5 ? atoi(argv[5]) : 0;
    if (work_us < 10 || mib < 1 || rounds < 10 || blocks < 2 || blocks % 2 != 0) {
        fprintf(stderr, "usage: alternating-compute [work_us>=10] [mib>=1] [rounds>=10] [blocks>=2, even] [pin=0|1]\n");
        return 2;
    }

    Half a = make_half(mib, 1), b = make_half(mib, 2);
    // Calibrate one sweep on this machine, then set both halves to about work_us each.
    volatile float sink = 0;
    for (int i = 0; i < 3; i++) sink += compute(&a);
    double t0 = now_us();
    for (int i = 0; i < 5; i++) sink += compute(&a);
    double sweep_us = (now_us() - t0) / 5;
    a.sweeps = b.sweeps = (int)(work_us / sweep_us + 0.5) < 1 ? 1 : (int)(work_us / sweep_us + 0.5);

    struct sockaddr_in addr;
    int listener = loopback_listen(&addr);
    char buf[Bytes];
    memset(buf, 7, sizeof buf);
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        // The second stage: wait for A's message, compute B, answer; idle (blocked in read) through single blocks.
        if (pinned) pin(1);
        int fd = loopback_accept(listener);
        while (next_message(fd, buf, sizeof buf)) {
            sink += compute(&b);
            exact(fd, buf, sizeof buf, 1);
        }
        _exit(0);
    }

    if (pinned) pin(0);
    close(listener);
    int fd = loopback_connect(&addr);

    double *steps = malloc(sizeof(double) * (size_t)rounds);
    double *single = malloc(sizeof(double) * (size_t)blocks), *pair = malloc(sizeof(double) * (size_t)blocks);
    double *diff = malloc(sizeof(double) * (size_t)blocks);
    if (!steps || !single || !pair || !diff) die("malloc");
    int ns = 0, np = 0;
    // Two untimed steps of each first, then ABBA: single, pair, pair, single, ...
    for (int i = 0; i < 2; i++) {
        sink += compute(&a) + compute(&b);
        sink += compute(&a);
        exact(fd, buf, sizeof buf, 1);
        exact(fd, buf, sizeof buf, 0);
    }
    for (int blk = 0; blk < blocks; blk++) {
        int is_pair = (blk % 4 == 1 || blk % 4 == 2);
        for (int r = 0; r < rounds; r++) {
            double s = now_us();
            if (is_pair) {
                sink += compute(&a);
                exact(fd, buf, sizeof buf, 1);
                exact(fd, buf, sizeof buf, 0);
            } else {
                sink += compute(&a);
                sink += compute(&b);
            }
            steps[r] = now_us() - s;
        }
        double m = median(steps, rounds) / 1e3;
        if (is_pair) pair[np++] = m; else single[ns++] = m;
    }

    close(fd);
    waitpid(child, NULL, 0);
    int pairs = ns < np ? ns : np;
    for (int i = 0; i < pairs; i++) diff[i] = pair[i] - single[i];
    printf("{\"work_us_per_half\":%.0f,\"mib_per_half\":%zu,\"sweeps_per_half\":%d,\"rounds_per_block\":%d,\"pinned\":%d,"
           "\"single_ms_per_step\":%.3f,\"pair_ms_per_step\":%.3f,\"overhead_ms_per_step\":%.3f,\"overhead_ms_blocks\":[",
           work_us, mib, a.sweeps, rounds, pinned, median(single, ns), median(pair, np), median(diff, pairs));
    for (int i = 0; i < pairs; i++) printf("%s%.3f", i ? "," : "", pair[i] - single[i]);
    printf("]}\n");
    (void)sink;  // volatile: the halves' results are kept, so the compiler cannot drop their work
    return 0;
}
