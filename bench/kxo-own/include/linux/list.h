/* The hlist subset of include/linux/list.h kxo's zobrist table uses, written for user space. */
#ifndef KXO_OWN_LIST_H
#define KXO_OWN_LIST_H
#include <stddef.h>
#include <linux/types.h>
struct hlist_node {
	struct hlist_node *next, **pprev;
};
struct hlist_head {
	struct hlist_node *first;
};
#define hlist_entry(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define hlist_entry_safe(ptr, type, member) ((ptr) ? hlist_entry(ptr, type, member) : NULL)
#define INIT_HLIST_HEAD(h) ((h)->first = NULL)
static inline int hlist_empty(const struct hlist_head *h) { return !h->first; }
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first) h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next) n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}
#define hlist_for_each_entry(pos, head, member)                                        \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); pos; \
	     pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#endif
