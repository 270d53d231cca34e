// The machine's floor for reading paced streams: the least CPU a client can spend per streamed
// chunk when every chunk is its own read. One thread, one epoll loop, N keep-alive connections to
// an OpenAI-compatible server (the simulator), each sending ROUNDS streamed requests one after
// another; bytes are read and counted, nothing is parsed beyond finding the end of each answer
// ("data: [DONE]"). It prints chunks (reads that carried bytes), the client's CPU per read (user +
// sys, getrusage) and reads per epoll wake-up. What llm-client spends above this is its own.
//
//   gcc -O2 -o /tmp/paced-floor Benchmarks/paced-floor.c
//   llm-client serve-sim --port 8123 --ttft-ms 100 --ttft-jitter-ms 0 --itl-ms 20 --itl-jitter-ms 0
//       --output-tokens 64 --prefill-ms-per-token 0 --max-concurrency 0 &
//   /tmp/paced-floor 127.0.0.1 8123 64 4
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char body[] = "{\"model\":\"llm-sim\",\"prompt\":\"hello\",\"max_tokens\":64,\"stream\":true}";

static void send_request(int fd) {
    char request[512];
    int length = snprintf(request, sizeof request,
        "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Accept: text/event-stream\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    if (write(fd, request, length) != length) { perror("write"); exit(1); }
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: paced-floor HOST PORT STREAMS ROUNDS\n"); return 2; }
    int streams = atoi(argv[3]), rounds = atoi(argv[4]);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &address.sin_addr);
    int epoll = epoll_create1(0);
    int *left = calloc(streams, sizeof(int));
    // A tail of the last bytes read per connection, to find "[DONE]" split across reads.
    char (*tail)[16] = calloc(streams, 16);
    int *fds = calloc(streams, sizeof(int));
    for (int i = 0; i < streams; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fds[i], (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fds[i], &event);
        left[i] = rounds;
    }
    double cpu_start = cpu_seconds();
    struct timespec wall_start, wall_end;
    clock_gettime(CLOCK_MONOTONIC, &wall_start);
    for (int i = 0; i < streams; i++) send_request(fds[i]);
    long reads = 0, wakeups = 0;
    int active = streams;
    char buffer[65536];
    struct epoll_event events[1024];
    while (active > 0) {
        int ready = epoll_wait(epoll, events, 1024, -1);
        if (ready < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 1; }
        wakeups++;
        for (int e = 0; e < ready; e++) {
            int i = events[e].data.u32;
            ssize_t count = read(fds[i], buffer, sizeof buffer);
            if (count <= 0) { fprintf(stderr, "connection %d closed\n", i); return 1; }
            if (memmem(buffer, count, "\"error\"", 7) != NULL) { fprintf(stderr, "%.*s\n", (int)count, buffer); return 1; }
            reads++;
            // "[DONE]" in this read, or across the previous read's end and this one's start.
            char joined[32];
            size_t head = count < 16 ? (size_t)count : 16;
            memcpy(joined, tail[i], 16);
            memcpy(joined + 16, buffer, head);
            int done = memmem(buffer, count, "[DONE]", 6) != NULL || memmem(joined, 16 + head, "[DONE]", 6) != NULL;
            if (count >= 16) memcpy(tail[i], buffer + count - 16, 16);
            else { memmove(tail[i], tail[i] + count, 16 - count); memcpy(tail[i] + 16 - count, buffer, count); }
            if (done) {
                memset(tail[i], 0, 16);
                if (--left[i] > 0) send_request(fds[i]);
                else active--;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &wall_end);
    double cpu = cpu_seconds() - cpu_start;
    double wall = wall_end.tv_sec - wall_start.tv_sec + (wall_end.tv_nsec - wall_start.tv_nsec) / 1e9;
    printf("%d streams x %d requests: %ld reads in %.1f s, %.2f us CPU per read (user + sys), %.2f reads per wake-up\n",
        streams, rounds, reads, wall, cpu / reads * 1e6, (double)reads / wakeups);
    return 0;
}
