#include "config.h"
/* placeholder: implemented in a later step */
typedef int ksm_placeholder_bind;
