/* Creating the files hakmem writes (reports, JSON lines, trace dumps) safely, from inside
 * the allocator or a signal handler: async-signal-safe calls only (stat, open, fchmod,
 * getpid), no allocation.
 *
 * INTERFACE.md promises that such a file gets mode 0600 and is never written through a
 * symbolic link or over an existing file. So a name is opened with
 * O_CREAT|O_EXCL|O_NOFOLLOW, and a name that exists (a file, a directory, a symbolic link,
 * even a dangling one) is skipped for the next numbered one. The number goes before the
 * extension, so the file keeps its type:
 *
 *   hakmem-123.htrace -> hakmem-123.1.htrace -> hakmem-123.2.htrace ...
 *   report            -> report.1 ...          (no extension: appended)
 *
 * The extension is the part of the last path component after its last dot, unless that
 * dot starts the component (".hidden" has none).
 */
#ifndef HAK_OS_FILE_H
#define HAK_OS_FILE_H

#include <stddef.h>

/* How many numbered names are tried after the name itself before giving up (EEXIST). */
#define HAK_FILE_MAX_SUFFIX 9999

/* Creates a new file for writing and returns its descriptor (O_WRONLY, close-on-exec), or
 * -1 with errno set. When path names an existing directory (which may be reached through
 * a symbolic link: only the file itself never is), the file is dir_name inside it;
 * dir_name NULL makes a directory an error (EISDIR). The name used goes to final (n bytes,
 * truncated; final may be NULL). */
int hak_create_file(const char *path, const char *dir_name, char *final, size_t n);

/* "hakmem-PID" followed by ext (e.g. ".htrace"): the default name of a file hakmem
 * creates. Returns its length. */
size_t hak_file_default_name(char *buf, size_t n, const char *ext);

#endif
