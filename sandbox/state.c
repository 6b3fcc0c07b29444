#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "sandbox.h"

char *
sb_state_path(const struct sb_state *st, const char *name)
{
	size_t len = strlen(st->dir) + strlen(name) + 2;
	char *p = malloc(len);

	if (p != NULL)
		snprintf(p, len, "%s/%s", st->dir, name);
	return p;
}

/* Load a PKCS#8 key file, or create one. */
static int
load_or_create_key(const struct sb_state *st, const char *name,
    ksm_eckey **key, uint8_t point[KSM_EC_POINT_LEN])
{
	struct ksmx_buf der = KSMX_BUF_INIT(4096);
	char *path = sb_state_path(st, name);
	int r;

	if (path == NULL)
		return KSM_ENOMEM;
	r = sb_file_read(&der, path, 4096);
	if (r == 0) {
		r = ksm_eckey__from_pkcs8(key, der.d, der.len);
	} else if (r == KSM_ENOTFOUND) {
		der.max = 4096;
		if ((r = ksm_eckey__generate(key)) == 0 &&
		    (r = ksm_eckey__to_pkcs8(&der, *key)) == 0)
			r = sb_file_write(path, der.d, der.len, 0600);
	}
	if (r == 0)
		r = ksm_eckey__public_point(point, *key);
	ksmx_buf_clear(&der);
	free(path);
	return r;
}

static int
load_or_create_master(struct sb_state *st)
{
	struct ksmx_buf b = KSMX_BUF_INIT(64);
	char *path = sb_state_path(st, "master.key");
	int r;

	if (path == NULL)
		return KSM_ENOMEM;
	r = sb_file_read(&b, path, 64);
	if (r == 0) {
		if (b.len != sizeof st->master)
			r = KSM_ECONFIG;
		else
			memcpy(st->master, b.d, sizeof st->master);
	} else if (r == KSM_ENOTFOUND) {
		if ((r = ksm_crypto__random(st->master,
		    sizeof st->master)) == 0)
			r = sb_file_write(path, st->master,
			    sizeof st->master, 0600);
	}
	ksmx_buf_clear(&b);
	free(path);
	return r;
}

int
sb_state_open(struct sb_state *st, const char *dir)
{
	char real[PATH_MAX], *lock = NULL;
	struct stat sb;
	int fd = -1, r;

	memset(st, 0, sizeof *st);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return KSM_EIO;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return KSM_EIO;
	if ((sb.st_mode & 077) != 0 && chmod(dir, 0700) != 0)
		return KSM_EPERM;
	if (realpath(dir, real) == NULL)
		return KSM_EIO;
	if ((st->dir = strdup(real)) == NULL)
		return KSM_ENOMEM;
	/* serialise first-time creation between serve and token */
	if ((lock = sb_state_path(st, "state.lock")) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		r = KSM_EIO;
		goto out;
	}
	if ((r = load_or_create_master(st)) != 0 ||
	    (r = load_or_create_key(st, "server-key.der", &st->server_key,
	    st->server_point)) != 0 ||
	    (r = load_or_create_key(st, "owner-key.der", &st->owner_key,
	    st->owner_point)) != 0 ||
	    (r = sb_tls_ensure(st->dir)) != 0)
		goto out;
out:
	if (fd >= 0)
		close(fd);	/* drops the lock */
	free(lock);
	if (r != 0)
		sb_state_clear(st);
	return r;
}

void
sb_state_clear(struct sb_state *st)
{
	ksm_eckey__free(st->server_key);
	ksm_eckey__free(st->owner_key);
	free(st->dir);
	ksmx_wipe(st, sizeof *st);
}

int
sb_state_derive(const struct sb_state *st, uint8_t out[32],
    const char *label, const char *a, const char *b)
{
	struct ksmx_buf msg = KSMX_BUF_INIT(4096);
	size_t len = 0;
	int r;

	if ((r = ksmx_buf_puts(&msg, label)) != 0 ||
	    (r = ksmx_buf_putc(&msg, '\n')) != 0 ||
	    (r = ksmx_buf_puts(&msg, a != NULL ? a : "")) != 0 ||
	    (r = ksmx_buf_putc(&msg, '\n')) != 0 ||
	    (r = ksmx_buf_puts(&msg, b != NULL ? b : "")) != 0)
		goto out;
	r = ksm_crypto__hmac(out, &len, "SHA256", st->master,
	    sizeof st->master, msg.d, msg.len);
	if (r == 0 && len != 32)
		r = KSM_ECRYPTO;
out:
	ksmx_buf_clear(&msg);
	return r;
}
