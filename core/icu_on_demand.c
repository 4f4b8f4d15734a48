/*
 * ICU, loaded the first time libxml2 asks for one of its converters.
 *
 * Debian's libxml2 is built with ICU, and calls it only for a document in
 * an encoding that neither libxml2 itself nor iconv knows (x-mac-roman,
 * SCSU...); pecctl hands it UTF-8. Linked as a shared library, libxml2
 * brings ICU and, under it, the C++ runtime into every start of pecctl:
 * their relocations and mappings were a third of the CPU of `pecctl
 * version`. So pecctl links libxml2 from its static archive (see the
 * Makefile) and defines here the seven ICU functions that archive calls.
 * The first call opens libicuuc and every call goes on to the real one;
 * without libicuuc, ucnv_open fails and libxml2 treats the encoding as
 * unsupported, as a libxml2 built without ICU would.
 *
 * unicode/ucnv.h renames each name to its versioned symbol (ucnv_open is
 * ucnv_open_72 with ICU 72): the definitions below match what the archive
 * was built against, and so does the library opened.
 */
#include <pthread.h>
#include <stddef.h>
#include <unicode/ucnv.h>
#include <unicode/uvernum.h>
#include "dl_symbol.h"

#define ICU_LIBRARY "libicuuc.so." U_ICU_VERSION_SHORT
/* The versioned name as a string: the argument is expanded first. */
#define SYMBOL_NAME(name) SYMBOL_NAME_EXPANDED(name)
#define SYMBOL_NAME_EXPANDED(name) #name

typedef UConverter *open_fn(const char *, UErrorCode *);
typedef void close_fn(UConverter *);
typedef void convert_ex_fn(UConverter *, UConverter *, char **, const char *, const char **,
			   const char *, UChar *, UChar **, UChar **, const UChar *, UBool, UBool,
			   UErrorCode *);
typedef void set_to_u_fn(UConverter *, UConverterToUCallback, const void *,
			 UConverterToUCallback *, const void **, UErrorCode *);
typedef void set_from_u_fn(UConverter *, UConverterFromUCallback, const void *,
			   UConverterFromUCallback *, const void **, UErrorCode *);
typedef void to_u_stop_fn(const void *, UConverterToUnicodeArgs *, const char *, int32_t,
			  UConverterCallbackReason, UErrorCode *);
typedef void from_u_stop_fn(const void *, UConverterFromUnicodeArgs *, const UChar *, int32_t,
			    UChar32, UConverterCallbackReason, UErrorCode *);

static struct {
	open_fn *open;
	close_fn *close;
	convert_ex_fn *convert_ex;
	set_to_u_fn *set_to_u;
	set_from_u_fn *set_from_u;
	to_u_stop_fn *to_u_stop;
	from_u_stop_fn *from_u_stop;
} icu;
static int icu_loaded;
static pthread_once_t icu_once = PTHREAD_ONCE_INIT;

static void load_icu(void)
{
	void *lib = dlopen(ICU_LIBRARY, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return;
	/* kept open for the process: converters made from it may outlive any caller */
	icu_loaded = dl_symbol(lib, SYMBOL_NAME(ucnv_open), &icu.open) &&
		     dl_symbol(lib, SYMBOL_NAME(ucnv_close), &icu.close) &&
		     dl_symbol(lib, SYMBOL_NAME(ucnv_convertEx), &icu.convert_ex) &&
		     dl_symbol(lib, SYMBOL_NAME(ucnv_setToUCallBack), &icu.set_to_u) &&
		     dl_symbol(lib, SYMBOL_NAME(ucnv_setFromUCallBack), &icu.set_from_u) &&
		     dl_symbol(lib, SYMBOL_NAME(UCNV_TO_U_CALLBACK_STOP), &icu.to_u_stop) &&
		     dl_symbol(lib, SYMBOL_NAME(UCNV_FROM_U_CALLBACK_STOP), &icu.from_u_stop);
}

/* Whether ICU is there to call; when not, says so in *err as ICU would. */
static int icu_ready(UErrorCode *err)
{
	pthread_once(&icu_once, load_icu);
	if (icu_loaded)
		return 1;
	if (err && U_SUCCESS(*err))
		*err = U_FILE_ACCESS_ERROR;
	return 0;
}

UConverter *ucnv_open(const char *converterName, UErrorCode *err)
{
	return icu_ready(err) ? icu.open(converterName, err) : NULL;
}

/* A converter exists only if ICU was loaded to make it. */
void ucnv_close(UConverter *converter)
{
	if (converter && icu_ready(NULL))
		icu.close(converter);
}

void ucnv_convertEx(UConverter *targetCnv, UConverter *sourceCnv, char **target,
		    const char *targetLimit, const char **source, const char *sourceLimit,
		    UChar *pivotStart, UChar **pivotSource, UChar **pivotTarget,
		    const UChar *pivotLimit, UBool reset, UBool flush, UErrorCode *pErrorCode)
{
	if (icu_ready(pErrorCode))
		icu.convert_ex(targetCnv, sourceCnv, target, targetLimit, source, sourceLimit,
			       pivotStart, pivotSource, pivotTarget, pivotLimit, reset, flush,
			       pErrorCode);
}

void ucnv_setToUCallBack(UConverter *converter, UConverterToUCallback newAction,
			 const void *newContext, UConverterToUCallback *oldAction,
			 const void **oldContext, UErrorCode *err)
{
	if (icu_ready(err))
		icu.set_to_u(converter, newAction, newContext, oldAction, oldContext, err);
}

void ucnv_setFromUCallBack(UConverter *converter, UConverterFromUCallback newAction,
			   const void *newContext, UConverterFromUCallback *oldAction,
			   const void **oldContext, UErrorCode *err)
{
	if (icu_ready(err))
		icu.set_from_u(converter, newAction, newContext, oldAction, oldContext, err);
}

/* libxml2 hands these two to the converter as its error actions: ICU calls
 * them back, and they go on to ICU's own. */
void UCNV_TO_U_CALLBACK_STOP(const void *context, UConverterToUnicodeArgs *toUArgs,
			     const char *codeUnits, int32_t length,
			     UConverterCallbackReason reason, UErrorCode *err)
{
	if (icu_ready(err))
		icu.to_u_stop(context, toUArgs, codeUnits, length, reason, err);
}

void UCNV_FROM_U_CALLBACK_STOP(const void *context, UConverterFromUnicodeArgs *fromUArgs,
			       const UChar *codeUnits, int32_t length, UChar32 codePoint,
			       UConverterCallbackReason reason, UErrorCode *err)
{
	if (icu_ready(err))
		icu.from_u_stop(context, fromUArgs, codeUnits, length, codePoint, reason, err);
}
