#include "config.h"
#include "ksm-test.h"
int
main(void)
{
	T_OK(1, "placeholder");
	return ksm_test_done();
}
