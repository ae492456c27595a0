#include <stdlib.h>
#include <string.h>

/* A fixed-size circular buffer of log lines: the oldest line is overwritten when it is full. */
struct ring {
    char **lines;
    size_t capacity;
    size_t head;
    size_t count;
};

/* Append a copy of line, dropping the oldest one when the ring is full. */
void ring_push(struct ring *r, const char *line) {
    size_t slot = (r->head + r->count) % r->capacity;
    if (r->count == r->capacity) {
        free(r->lines[r->head]);
        r->head = (r->head + 1) % r->capacity;
        slot = (r->head + r->count - 1) % r->capacity;
    } else {
        r->count++;
    }
    r->lines[slot] = strdup(line);
}
