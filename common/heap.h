/*
 * heap: an intrusive binary min-heap of timers, keyed by a 64-bit deadline.
 *
 * The caller embeds a struct heap_node in its own object; the heap stores
 * pointers to those nodes and keeps each node's index up to date, so a node
 * can be removed or re-keyed in O(log n) without searching. Recover the
 * object from its node with offsetof (see container_of in users).
 * Not thread-safe: one heap belongs to one thread's event loop.
 */
#ifndef HEAP_H
#define HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_NOT_QUEUED ((size_t)-1)

struct heap_node {
    uint64_t key;   /* deadline; the smallest is at the top */
    size_t index;   /* position in the heap, or HEAP_NOT_QUEUED */
};

struct heap {
    struct heap_node **nodes;
    size_t count;
    size_t capacity;
};

/* Makes an empty heap (no allocation yet). */
void heap_init(struct heap *heap);

/* Frees the heap's array (not the nodes, which the caller owns). */
void heap_free(struct heap *heap);

/* Marks a node as not queued; call once before its first use. */
void heap_node_init(struct heap_node *node);

static inline bool heap_node_queued(const struct heap_node *node)
{
    return node->index != HEAP_NOT_QUEUED;
}

/*
 * Queues node with the given key, or moves it if it is already queued.
 * Returns 0, or -1 (ENOMEM) with the heap unchanged.
 */
int heap_set(struct heap *heap, struct heap_node *node, uint64_t key);

/* Removes node if it is queued; otherwise does nothing. */
void heap_remove(struct heap *heap, struct heap_node *node);

/* The node with the smallest key, or NULL when the heap is empty. */
struct heap_node *heap_top(const struct heap *heap);

#endif
