/* System V shared memory for fio inside the test guest, preloaded
 * (LD_PRELOAD=/lib/guest_shm.so) by scripts/bench-kernel-vs-fio.sh. The
 * guest kernel is built from tinyconfig without CONFIG_SYSVIPC (shmget is
 * ENOSYS there), and fio keeps its per-job state in a shmget segment
 * (setup_thread_area). With --thread every job is a thread of one process,
 * so a segment only has to be memory that process shares with itself: an
 * anonymous mapping. IPC_RMID only marks a segment (it lives until the last
 * detach, shmctl(2)); here it lives until the process exits. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#define SEGS 64

static struct {
	void *p;
	size_t len;
} seg[SEGS];

int shmget(key_t key, size_t size, int flags)
{
	(void)key;
	(void)flags;
	for (int i = 0; i < SEGS; i++) {
		if (seg[i].p)
			continue;
		void *p =
		    mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		seg[i].p = p;
		seg[i].len = size;
		return i + 1;
	}
	errno = ENOSPC;
	return -1;
}

void *shmat(int id, const void *addr, int flags)
{
	(void)addr;
	(void)flags;
	if (id < 1 || id > SEGS || !seg[id - 1].p) {
		errno = EINVAL;
		return (void *)-1;
	}
	return seg[id - 1].p;
}

int shmdt(const void *addr)
{
	(void)addr;
	return 0;
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	if (id < 1 || id > SEGS || !seg[id - 1].p) {
		errno = EINVAL;
		return -1;
	}
	if (cmd == IPC_STAT && buf) {
		memset(buf, 0, sizeof(*buf));
		buf->shm_segsz = seg[id - 1].len;
	}
	return 0;
}
