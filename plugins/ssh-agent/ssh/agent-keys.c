#include "config.h"

/*
 * keeper-agent's keys: the API of agent-keys.h.  How a key is read, listed,
 * signed with and kept is in the agent-keys-*.c files (agent-keys-int.h).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ksm-int.h"
#include "agent-keys.h"
#include "agent-keys-int.h"

int
agent_key_load(const char *text, size_t len, const char *passphrase,
    const char *comment, struct agent_key **out)
{
	struct agent_key *k;
	int r;

	*out = NULL;
	ksm_error_clear();
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->kept = calloc(1, sizeof(*k->kept))) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if ((r = agent_keys__parse(text, len, passphrase, &k->pkey)) != 0)
		goto out;
	if ((r = agent_keys__make_blob(k)) != 0)
		goto out;
	if ((r = agent_keys__secure(k)) != 0)
		goto out;
	if ((k->comment = ksmx_strdup(comment ? comment : "")) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	*out = k;
	k = NULL;
out:
	agent_key_free(k);
	return r;
}

int
agent_key_load_lazy(const char *text, size_t len, const char *passphrase,
    const char *publine, const char *comment, struct agent_key **out)
{
	struct agent_key *k, *tmp = NULL;
	int r;

	*out = NULL;
	ksm_error_clear();
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->kept = calloc(1, sizeof(*k->kept))) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if (publine == NULL ||
	    agent_keys__pub_blob(publine, &k->blob, &k->blob_len) != 0) {
		/* no usable public key: derive it, drop the parsed key */
		if ((r = agent_key_load(text, len, passphrase, comment,
		    &tmp)) != 0)
			goto out;
		k->blob = tmp->blob;
		k->blob_len = tmp->blob_len;
		tmp->blob = NULL;
	}
	r = KSM_ENOMEM;
	if ((k->text = agent_keys__secure_copy(text, len)) == NULL)
		goto out;
	k->text_len = len;
	if (passphrase != NULL && (k->pass =
	    agent_keys__secure_copy(passphrase, strlen(passphrase))) == NULL)
		goto out;
	if ((k->comment = ksmx_strdup(comment ? comment : "")) == NULL)
		goto out;
	*out = k;
	k = NULL;
	r = 0;
out:
	agent_key_free(tmp);
	agent_key_free(k);
	return r;
}

void
agent_key_free(struct agent_key *k)
{
	if (k == NULL)
		return;
	agent_keys__kept_drop(k->kept);
	free(k->kept);
	EVP_PKEY_free(k->pkey);
	OSSL_PARAM_free(k->rsa_priv);
	if (k->ed_seed != NULL)
		OPENSSL_secure_clear_free(k->ed_seed, 32);
	if (k->text != NULL)
		OPENSSL_secure_clear_free(k->text, k->text_len + 1);
	if (k->pass != NULL)
		OPENSSL_secure_clear_free(k->pass, strlen(k->pass) + 1);
	free(k->blob);
	free(k->comment);
	free(k);
}

const uint8_t *
agent_key_blob(const struct agent_key *k, size_t *len)
{
	*len = k->blob_len;
	return k->blob;
}

const char *
agent_key_comment(const struct agent_key *k)
{
	return k->comment;
}

int
agent_key_sign(const struct agent_key *k, const uint8_t *data, size_t len,
    uint32_t flags, struct ksmx_buf *sig)
{
	struct agent_kept *kp = k->kept;
	long long now = agent_keys__now_ms();
	int r;

	agent_keys_sweep(now);
	if (kp->pkey == NULL && (r = agent_keys__kept_open(k)) != 0)
		return r;	/* ksm_error_last says why */
	r = agent_keys__sign(kp, data, len, flags, sig);
	agent_keys__kept_used(kp, now, r == 0);
	return r;
}
