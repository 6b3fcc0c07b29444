#include "config.h"

/*
 * libFuzzer target: the notation parser (both readings) and the pure
 * resolver in both styles against one fixed record.  Built with
 * standalone.c it replays tests/fuzz/corpus/notation/ in make check.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "json.h"
#include "notation-int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char record_json[] =
    "{\"title\":\"t/[x]\",\"type\":\"login\",\"notes\":\"n\","
    "\"fields\":[{\"type\":\"login\",\"value\":[\"u\"]},"
    "{\"type\":\"url\",\"value\":[\"a\",\"b\"]},"
    "{\"type\":\"name\",\"value\":[{\"first\":\"f\",\"last\":\"l\"},null,1]},"
    "{\"type\":\"text\",\"label\":\"a[b]/c\",\"value\":[true]},"
    "{\"type\":\"text\",\"label\":\"e\",\"value\":[]},"
    "{\"type\":\"text\",\"label\":\"nv\"}],"
    "\"custom\":[{\"type\":\"text\",\"label\":\"d\",\"value\":[\"1\"]},"
    "{\"type\":\"text\",\"label\":\"d\",\"value\":[\"2\"]}]}";

static const struct ksm_nfile files[] = {
	{ "FileUidAAAAAAAAAAAAAAA", "f.txt", "F" },
	{ "FileUidBBBBBBBBBBBBBBB", "f.txt", NULL },
};

static void
one(const char *text, size_t len, unsigned int flags,
    const struct ksm_nrec *recs, size_t n)
{
	struct ksm_nvalue v;
	ksm_notation *nt = NULL;
	size_t idx;

	if (ksm_notation__parse(&nt, text, len, flags) != 0)
		return;
	/* the getters must hold what the parser promised */
	if (ksm_notation_record(nt) == NULL ||
	    ksm_notation_selector_name(nt) == NULL)
		abort();
	if ((ksm_notation_selector(nt) >= KSM_SELECTOR_FIELD) !=
	    (ksm_notation_parameter(nt) != NULL))
		abort();
	if (ksm_notation_index2(nt) != NULL && ksm_notation_index1(nt) == NULL)
		abort();
	if (ksm_notation__pick(&idx, recs, n, nt->record,
	    KSM_NPICK_UID | KSM_NPICK_TITLE) == 0) {
		if (ksm_notation__eval(&v, nt, &recs[idx],
		    (flags & KSM_NOTATION_LEGACY) ? KSM_NSTYLE_SINGLE :
		    KSM_NSTYLE_LIST) == 0) {
			if (v.is_file && v.file >= recs[idx].n_files)
				abort();
			ksm_nvalue__clear(&v);
		}
	}
	ksm_notation_free(nt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cJSON *rec;
	struct ksm_nrec recs[3];
	char *text;

	if (rec == NULL &&
	    (rec = ksmx_json_parse(record_json, strlen(record_json))) == NULL)
		abort();
	memset(recs, 0, sizeof(recs));
	recs[0].uid = "RecordUidAAAAAAAAAAAAA";
	recs[0].data = rec;
	recs[0].files = files;
	recs[0].n_files = 2;
	recs[1] = recs[0];	/* a shortcut: same UID again */
	recs[2].uid = "LegacyUidAAAAAAAAAAAAA";
	recs[2].legacy = 1;

	/* a copy without a NUL after it, so overreads are caught */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	one(text, size, 0, recs, 3);
	one(text, size, KSM_NOTATION_LEGACY, recs, 3);
	free(text);
	return 0;
}
