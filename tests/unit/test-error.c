#include "config.h"

#include <errno.h>
#include <string.h>

#include "ksm-int.h"
#include "ksm-test.h"

int
main(void)
{
	int c;

	/* every code from KSM_OK to the last has its own text and name */
	for (c = KSM_OK; c >= KSM_CODE_LAST; c--) {
		T_OK(strcmp(ksm_strerror(c), "unknown error") != 0 &&
		    strcmp(ksm_code_name(c), "EUNKNOWN") != 0,
		    "error::text for code %d (%s)", c, ksm_code_name(c));
	}
	T_STREQ(ksm_strerror(KSM_CODE_LAST - 1), "unknown error",
	    "error::unknown code");
	T_FAILS(ksm__err(KSM_ECONFIG, "cannot open '%s'", "/x"), KSM_ECONFIG,
	    "error::set returns code");
	T_STREQ(ksm_error_last()->message, "cannot open '/x'", "error::message");
	ksm__err_hint("run: chmod 600 '%s'", "/x");
	T_STREQ(ksm_error_last()->hint, "run: chmod 600 '/x'", "error::hint");
	errno = ENOENT;
	(void)ksm__err_errno(KSM_EIO, "cannot read '%s'", "/y");
	T_OK(strstr(ksm_error_last()->message, "cannot read '/y': ") != NULL,
	    "error::errno appended");
	T_STREQ(ksm_error_last()->hint, "", "error::hint reset");
	ksm_error_clear();
	T_OK(ksm_error_last()->code == 0, "error::clear");
	return ksm_test_done();
}
