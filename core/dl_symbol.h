/* A symbol of a library opened with dlopen, into a pointer of its type. */
#ifndef PECCTL_DL_SYMBOL_H
#define PECCTL_DL_SYMBOL_H

#include <dlfcn.h>

/* slot: the address of a pointer (to a function, mostly). As dlsym's
 * manual writes it, the address lands in the pointer's bytes: ISO C has no
 * cast from a data pointer to a function pointer. 1 when found. */
static inline int dl_symbol(void *lib, const char *name, void *slot)
{
	return (*(void **)slot = dlsym(lib, name)) != NULL;
}

#endif
