// SPDX-License-Identifier: Apache-2.0
#include "CUnshareFacts.h"

#include <stddef.h>
#include <sys/xattr.h>

int cu_has_file_capabilities(const char *path) {
    return getxattr(path, "security.capability", NULL, 0) > 0;
}
