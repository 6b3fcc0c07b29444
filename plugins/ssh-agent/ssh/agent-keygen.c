#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ksm-int.h"
#include "agent-keygen.h"

#define MAX_KEY_TEXT	(64 * 1024)

/* fd from as fd to, open across exec (dup2 keeps CLOEXEC when equal) */
static int
move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

/* The child: stdin = the passphrase pipe, fd 3 = the key, then exec. */
static void
child(int in, int key)
{
	static char *const argv[] = { "ssh-keygen", "-q", "-p", "-f",
	    "/proc/self/fd/3", "-N", "", "-m", "PKCS8", NULL };
	sigset_t none;
	int nul;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (in == 3 && (in = dup(in)) < 0)	/* do not clobber it below */
		_exit(127);
	if (move_fd(key, 3) != 0 || move_fd(in, 0) != 0)
		_exit(127);
	if ((nul = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(nul, 1);
		dup2(nul, 2);
	}
	setsid();	/* no controlling tty: ssh-keygen reads stdin */
	execvp(argv[0], argv);
	_exit(127);
}

int
agent_keygen_decrypt(const char *text, size_t len, const char *passphrase,
    char **out, size_t *out_len)
{
	struct stat st;
	char *buf = NULL;
	int key = -1, pp[2] = { -1, -1 }, status, r = KSM_ECRYPTO;
	pid_t pid;
	ssize_t k;
	size_t got = 0;

	*out = NULL;
	*out_len = 0;
	if (len > MAX_KEY_TEXT)
		return ksm__err(KSM_ETOOBIG, "private key larger than 64 KiB");
	if (strlen(passphrase) > 4096)
		return ksm__err(KSM_ECRYPTO, "passphrase longer than 4096 bytes");
	/*
	 * The passphrase goes into the pipe before the fork: it fits the
	 * pipe buffer, and the parent never writes to a pipe whose reader
	 * may be gone (no SIGPIPE).
	 */
	/* ssh-keygen refuses a key file others could read: 0600 */
	if ((key = memfd_create("keeper-agent-key", MFD_CLOEXEC)) < 0 ||
	    fchmod(key, 0600) != 0 || ksm_io__write_all(key, text, len) != 0 || pipe2(pp, O_CLOEXEC) != 0 ||
	    ksm_io__write_all(pp[1], passphrase, strlen(passphrase)) != 0 ||
	    ksm_io__write_all(pp[1], "\n", 1) != 0) {
		r = ksm__err_errno(KSM_EIO, "cannot set up ssh-keygen");
		goto out;
	}
	close(pp[1]);
	pp[1] = -1;
	if ((pid = fork()) < 0) {
		r = ksm__err_errno(KSM_EIO, "cannot start ssh-keygen");
		goto out;
	}
	if (pid == 0)
		child(pp[0], key);
	close(pp[0]);
	pp[0] = -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		r = ksm__err(KSM_ECRYPTO, "ssh-keygen could not decrypt the "
		    "OpenSSH private key (%s)", status != -1 &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
		    "ssh-keygen not found" : "wrong passphrase in the "
		    "record's password field?");
		goto out;
	}
	if (fstat(key, &st) != 0 || st.st_size <= 0 ||
	    st.st_size > MAX_KEY_TEXT) {
		r = ksm__err(KSM_ECRYPTO, "ssh-keygen wrote no key");
		goto out;
	}
	if ((buf = OPENSSL_secure_malloc((size_t)st.st_size + 1)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size &&
	    (k = pread(key, buf + got, (size_t)st.st_size - got,
	    (off_t)got)) > 0)
		got += (size_t)k;
	if (got != (size_t)st.st_size) {
		r = ksm__err(KSM_ECRYPTO, "cannot read ssh-keygen's output");
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*out_len = got + 1;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL)
		OPENSSL_secure_clear_free(buf, (size_t)st.st_size + 1);
	if (key >= 0) {
		/* overwrite the plaintext before the pages go back */
		if (fstat(key, &st) == 0 && st.st_size > 0) {
			static const char zero[4096];
			off_t o;

			for (o = 0; o < st.st_size; o += (off_t)sizeof(zero))
				if (pwrite(key, zero, sizeof(zero), o) < 0)
					break;
		}
		close(key);
	}
	if (pp[0] >= 0)
		close(pp[0]);
	if (pp[1] >= 0)
		close(pp[1]);
	return r;
}
