/* check_db.c - see check_db.h. */
#include "chatbot/host/check_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chatbot/gov/store.h"

/* The folder of path ("." when it names none), malloc'd. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* True when a file can be created in dir: tried for real (a probe file,
 * removed at once), so a read-only file system counts too. */
static bool can_create_in(const char *dir)
{
	struct buf probe = BUF_INIT;
	buf_addf(&probe, "%s/.govbot-check-%ld", dir, (long)getpid());
	int fd = open(buf_str(&probe), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		unlink(buf_str(&probe));
	}
	buf_release(&probe);
	return fd >= 0;
}

static void check_folder(const char *path, struct buf *problems, struct buf *warnings)
{
	char *dir = folder_of(path);
	struct stat sb;
	/* a folder that does not exist yet is made by govbot (0700): look at
	 * the nearest one that does, for writing only */
	bool own = stat(dir, &sb) == 0;
	while (stat(dir, &sb) < 0 && errno == ENOENT && strcmp(dir, ".") != 0 && strcmp(dir, "/") != 0) {
		char *up = folder_of(dir);
		free(dir);
		dir = up;
	}
	if (stat(dir, &sb) < 0) {
		buf_addf(problems, "database: %s: cannot look at its folder %s: %s\n", path, dir,
			 strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		buf_addf(problems, "database: %s: %s is not a folder\n", path, dir);
	} else if (!can_create_in(dir)) {
		buf_addf(problems, "database: %s: its folder %s is not writable by this user, and govbot "
			 "creates the database and its -wal and -shm files there\n", path, dir);
	} else if (own && (sb.st_mode & (S_IWGRP | S_IWOTH))) {
		buf_addf(warnings, "database: warning: its folder %s is writable by others (mode %04o): "
			 "they could replace the database; chmod 700 %s\n", dir,
			 (unsigned)(sb.st_mode & 07777), dir);
	}
	free(dir);
}

void check_database(const char *path, struct buf *problems, struct buf *warnings)
{
	if (!path || !*path || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return;
	check_folder(path, problems, warnings);
	struct stat sb;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT)
			buf_addf(problems, "database: %s: %s\n", path, strerror(errno));
		return;   /* made at the first start, 0600 */
	}
	if (!S_ISREG(sb.st_mode)) {
		buf_addf(problems, "database: %s: not a regular file\n", path);
		return;
	}
	if (access(path, R_OK | W_OK) < 0) {
		buf_addf(problems, "database: %s: not writable by this user (mode %04o); every "
			 "governance command would fail\n", path, (unsigned)(sb.st_mode & 07777));
		return;
	}
	if (sb.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))
		buf_addf(warnings, "database: warning: %s is %s by others (mode %04o): whoever can write "
			 "it can act as anyone (`govbot ask --as`); chmod 600 %s\n", path,
			 sb.st_mode & (S_IWGRP | S_IWOTH) ? "readable and writable" : "readable",
			 (unsigned)(sb.st_mode & 07777), path);
	int version;
	char err[256];
	if (store_peek_version(path, &version, err, sizeof(err)) != STORE_OK)
		buf_addf(problems, "database: %s: %s\n", path, err);
}
