/*
 * heap: binary min-heap with back-pointers. See heap.h.
 */
#include "heap.h"

#include <errno.h>
#include <stdlib.h>

void heap_init(struct heap *heap)
{
    heap->nodes = NULL;
    heap->count = 0;
    heap->capacity = 0;
}

void heap_free(struct heap *heap)
{
    free(heap->nodes);
    heap_init(heap);
}

void heap_node_init(struct heap_node *node)
{
    node->key = 0;
    node->index = HEAP_NOT_QUEUED;
}

static void place(struct heap *heap, struct heap_node *node, size_t index)
{
    heap->nodes[index] = node;
    node->index = index;
}

static void sift_up(struct heap *heap, size_t index)
{
    struct heap_node *node = heap->nodes[index];

    while (index > 0) {
        size_t parent = (index - 1) / 2;

        if (heap->nodes[parent]->key <= node->key)
            break;
        place(heap, heap->nodes[parent], index);
        index = parent;
    }
    place(heap, node, index);
}

static void sift_down(struct heap *heap, size_t index)
{
    struct heap_node *node = heap->nodes[index];

    for (;;) {
        size_t child = 2 * index + 1;

        if (child >= heap->count)
            break;
        if (child + 1 < heap->count &&
            heap->nodes[child + 1]->key < heap->nodes[child]->key)
            child++;
        if (node->key <= heap->nodes[child]->key)
            break;
        place(heap, heap->nodes[child], index);
        index = child;
    }
    place(heap, node, index);
}

int heap_set(struct heap *heap, struct heap_node *node, uint64_t key)
{
    if (heap_node_queued(node)) {
        uint64_t old = node->key;

        node->key = key;
        if (key < old)
            sift_up(heap, node->index);
        else
            sift_down(heap, node->index);
        return 0;
    }
    if (heap->count == heap->capacity) {
        size_t capacity = heap->capacity ? heap->capacity * 2 : 64;
        struct heap_node **nodes = realloc(heap->nodes,
                                           capacity * sizeof(*nodes));

        if (nodes == NULL) {
            errno = ENOMEM;
            return -1;
        }
        heap->nodes = nodes;
        heap->capacity = capacity;
    }
    node->key = key;
    place(heap, node, heap->count++);
    sift_up(heap, node->index);
    return 0;
}

void heap_remove(struct heap *heap, struct heap_node *node)
{
    size_t index = node->index;
    struct heap_node *last;

    if (!heap_node_queued(node))
        return;
    node->index = HEAP_NOT_QUEUED;
    last = heap->nodes[--heap->count];
    if (last == node)
        return;
    place(heap, last, index);
    /* The moved node may belong above or below its new place. */
    sift_up(heap, index);
    sift_down(heap, last->index);
}

struct heap_node *heap_top(const struct heap *heap)
{
    return heap->count > 0 ? heap->nodes[0] : NULL;
}
