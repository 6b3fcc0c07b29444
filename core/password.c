#include "config.h"

/*
 * Password generation (ksm-protocol.md §12), every random number from the
 * kernel's CSPRNG through getrandom(2): each group's minimum, then the
 * rest of the length from every group that may be used, then a
 * Fisher-Yates shuffle.  Numbers below a bound are drawn by rejection, so
 * no character is likelier than another.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ksm-int.h"

#define DEFAULT_LENGTH	32
#define MAX_LENGTH	1024

static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char digits[] = "0123456789";
static const char special_default[] = "\"!@#$%()+;<>=?[]{}^.,";

static int
os_random(void *out, size_t n)
{
	uint8_t *p = out;
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return ksm__err_errno(KSM_ECRYPTO, "getrandom failed");
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* A uniform number below bound (1 <= bound <= 65536). */
static int
below(uint32_t *out, uint32_t bound)
{
	uint32_t x, limit = UINT32_MAX - UINT32_MAX % bound;
	int r;

	do {
		if ((r = os_random(&x, sizeof(x))) != 0)
			return r;
	} while (x >= limit);
	*out = x % bound;
	return 0;
}

/* n characters of set appended at *pos. */
static int
sample(char *out, size_t *pos, size_t n, const char *set, size_t set_len)
{
	uint32_t k;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = below(&k, (uint32_t)set_len)) != 0)
			return r;
		out[(*pos)++] = set[k];
	}
	return 0;
}

int
ksm_password_generate(char **out, const ksm_password_policy *p)
{
	const char *sets[4];
	int counts[4];
	char *pw = NULL, *filler = NULL;
	size_t set_len[4], length, sum = 0, pos = 0, i, nf = 0, fill;
	uint32_t j;
	char t;
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(p != NULL);
	sets[0] = lower;
	sets[1] = upper;
	sets[2] = digits;
	sets[3] = p->special_set != NULL ? p->special_set : special_default;
	counts[0] = p->lowercase;
	counts[1] = p->uppercase;
	counts[2] = p->digits;
	counts[3] = p->special;
	length = p->length != 0 ? p->length : DEFAULT_LENGTH;
	for (i = 0; i < 4; i++) {
		set_len[i] = strlen(sets[i]);
		if (counts[i] < KSM_PASSWORD_ANY || counts[i] > MAX_LENGTH)
			return ksm__err(KSM_EINVAL, "a password character "
			    "count must be from 0 to %d (or any)", MAX_LENGTH);
		if (counts[i] > 0)
			sum += (size_t)counts[i];
		if (counts[i] != 0)
			nf += set_len[i];
	}
	for (i = 0; i < set_len[3]; i++)
		if (sets[3][i] <= ' ' || sets[3][i] > '~')
			return ksm__err(KSM_EINVAL, "the special characters "
			    "must be printable ASCII");
	if (set_len[3] == 0 || set_len[3] > 256)
		return ksm__err(KSM_EINVAL, "the special characters must be 1 "
		    "to 256 bytes");
	if (length > MAX_LENGTH || sum > MAX_LENGTH)
		return ksm__err(KSM_EINVAL, "a password is at most %d "
		    "characters", MAX_LENGTH);
	fill = length > sum ? length - sum : 0;
	if (fill > 0 && nf == 0)
		return ksm__err(KSM_EINVAL, "no character group may be used "
		    "for the password");
	if ((pw = malloc(sum + fill + 1)) == NULL ||
	    (filler = malloc(nf + 1)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	filler[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (counts[i] != 0)
			strcat(filler, sets[i]);
		if (counts[i] > 0 && (r = sample(pw, &pos, (size_t)counts[i],
		    sets[i], set_len[i])) != 0)
			goto out;
	}
	if ((r = sample(pw, &pos, fill, filler, nf)) != 0)
		goto out;
	for (i = pos; i > 1; i--) {	/* Fisher-Yates */
		if ((r = below(&j, (uint32_t)i)) != 0)
			goto out;
		t = pw[i - 1];
		pw[i - 1] = pw[j];
		pw[j] = t;
	}
	pw[pos] = '\0';
	*out = pw;
	pw = NULL;	/* transferred */
	r = 0;
out:
	if (pw != NULL)
		ksmx_freezero(pw, sum + fill + 1);
	if (filler != NULL)
		ksmx_freezero(filler, nf + 1);
	return r;
}
