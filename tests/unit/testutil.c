/*
 * testutil.c - temp files and the common main() body for the unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

const char *rc_test_tmp_path(const char *name)
{
    static char paths[16][512];
    static unsigned counter;
    char *buf = paths[counter % 16];
    mkdir(RC_TEST_TMP_DIR, 0777);
    snprintf(buf, sizeof paths[0], "%s/%s.%ld.%u", RC_TEST_TMP_DIR, name, (long)getpid(),
             counter++);
    return buf;
}

const char *rc_test_write_file(const char *name, const char *text)
{
    const char *path = rc_test_tmp_path(name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

char *rc_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        if (len)
            *len = (size_t)size;
    }
    return buf;
}

int rc_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
