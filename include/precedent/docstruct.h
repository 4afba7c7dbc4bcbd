/*
 * docstruct.h - the outline of the doc corpus, for retrieval.
 *
 * A manual is a tree: a chapter ("Contacts") introduces the subsections that
 * follow it ("Link contacts", "Delete a group"), and a question about any of them
 * is a question about the chapter. The importer keeps one row per heading, so
 * without an outline a chapter is indexed by its few introductory lines only.
 *
 * docstruct_rebuild() gives every doc section its parent and indexes, in the
 * low-weight `sub` column of sections_fts, the titles and leads of its
 * descendants:
 *   - inside a file, the parent comes from heading levels (the nearest earlier
 *     section whose heading path encloses this one);
 *   - between sibling sections that heading levels do not order (one section per
 *     file, or a flat list of headings), an earlier sibling at most
 *     DOCSTRUCT_WINDOW siblings back is the parent when every content word of its
 *     title (stemmed, stop words dropped) occurs in this section's title or text:
 *     "Contacts" encloses "Link contacts"; "Camera" encloses "Super steady",
 *     which says "camera". Siblings are ordered by path with numbers compared as
 *     numbers (section_9 before section_10), then by position in the file.
 *
 * Ownership: works inside the caller's transaction on the store it is given.
 */
#ifndef PRECEDENT_DOCSTRUCT_H
#define PRECEDENT_DOCSTRUCT_H

#include <stddef.h>

#include "precedent/store.h"

#define DOCSTRUCT_WINDOW 25   /* earlier siblings considered as the parent */
#define DOCSTRUCT_LEAD 300    /* bytes of a descendant's text in its ancestors' sub */
#define DOCSTRUCT_SUB_CAP 16384 /* bytes of sub per section */
#define DOCSTRUCT_DEPTH 8     /* ancestors a section contributes to */

/* Recomputes parent and sub for every doc section and updates the rows that
 * changed (the FTS index follows by trigger). *nparents: sections that have a
 * parent; *nchanged: rows written (either may be NULL). 0 or a negative
 * PRECEDENT_E* code. */
int docstruct_rebuild(store_t *s, size_t *nparents /* OUT */, size_t *nchanged /* OUT */);

/* strcmp, except that runs of digits compare by value. */
int docstruct_natcmp(const char *a, const char *b);

#endif
