#include "config.h"

/*
 * The parsed private key kept between signatures.  Parsing a key for every
 * signature (and, for a passphrase-protected one, running its KDF) made an
 * RSA signature cost a third more: a new key object has no Montgomery
 * contexts and no blinding yet, and the text has to be read.  So the first
 * signature parses the key and the following ones reuse it, until it has
 * been idle for the idle lifetime: the next signature or
 * agent_keys_sweep() then drops it, and a later signature parses it again.
 * Dropping frees the key object (OpenSSL clears its numbers) and its
 * signing contexts.
 *
 * Not thread-safe: keeper-agent uses its keys from one thread.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "ksm-int.h"
#include "agent-keys.h"
#include "agent-keys-int.h"

static struct agent_kept *head, *tail;	/* most recently used first */
static unsigned idle_s = AGENT_KEYS_IDLE_DEFAULT;

long long
agent_keys__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
unlink_kept(struct agent_kept *kp)
{
	if (!kp->listed)
		return;
	if (kp->prev != NULL)
		kp->prev->next = kp->next;
	else
		head = kp->next;
	if (kp->next != NULL)
		kp->next->prev = kp->prev;
	else
		tail = kp->prev;
	kp->prev = kp->next = NULL;
	kp->listed = 0;
}

void
agent_keys__kept_drop(struct agent_kept *kp)
{
	if (kp == NULL)
		return;
	unlink_kept(kp);
	agent_keys__sign_clear(kp);	/* they hold references to pkey */
	EVP_PKEY_free(kp->pkey);
	kp->pkey = NULL;
}

/* A lazy key: parse the text, and refuse a key that is not the listed one. */
static int
open_lazy(const struct agent_key *k, struct agent_kept *kp)
{
	struct agent_key t;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = agent_keys__parse(k->text, k->text_len, k->pass,
	    &t.pkey)) != 0 || (r = agent_keys__make_blob(&t)) != 0)
		goto out;	/* ksm_error_last says why */
	if (t.blob_len != k->blob_len ||
	    memcmp(t.blob, k->blob, k->blob_len) != 0) {
		r = ksm__err(KSM_ECRYPTO, "the private key does not match "
		    "the record's public key");
		goto out;
	}
	kp->pkey = t.pkey;
	t.pkey = NULL;	/* transferred */
	kp->type = t.type;
	kp->ec_name = t.ec_name;
	kp->ec_md = t.ec_md;
out:
	EVP_PKEY_free(t.pkey);
	free(t.blob);
	return r;
}

int
agent_keys__kept_open(const struct agent_key *k)
{
	struct agent_kept *kp = k->kept;

	ksm_error_clear();
	if (k->text != NULL)
		return open_lazy(k, kp);
	if ((kp->pkey = agent_keys__sign_key(k)) == NULL)
		return KSM_ENOMEM;
	kp->type = k->type;
	kp->ec_name = k->ec_name;
	kp->ec_md = k->ec_md;
	return 0;
}

void
agent_keys__kept_used(struct agent_kept *kp, long long now_ms, int ok)
{
	unlink_kept(kp);
	/* a failed signature, no lifetime, no room: parse again next time */
	if (!ok || idle_s == 0 || !agent_keys__secure_room()) {
		agent_keys__kept_drop(kp);
		return;
	}
	kp->used_ms = now_ms;
	kp->next = head;
	if (head != NULL)
		head->prev = kp;
	head = kp;
	if (tail == NULL)
		tail = kp;
	kp->listed = 1;
}

long long
agent_keys_sweep(long long now_ms)
{
	long long life = (long long)idle_s * 1000;

	while (tail != NULL && now_ms - tail->used_ms >= life)
		agent_keys__kept_drop(tail);
	return tail != NULL ? tail->used_ms + life : -1;
}

void
agent_keys_set_idle(unsigned seconds)
{
	idle_s = seconds;
	agent_keys_sweep(agent_keys__now_ms());
}
