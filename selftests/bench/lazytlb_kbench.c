// SPDX-License-Identifier: GPL-2.0
/*
 * lazytlb_kbench - the kernel half of 'make bench' (not part of the series).
 *
 * Built out of tree against each benchmarked kernel, the bare base as well,
 * so it needs nothing the series adds. It keeps one kernel thread bound to
 * each online CPU and takes commands written to
 * /sys/kernel/debug/lazytlb_kbench:
 *
 *   r  one round trip: wake this CPU's thread and sleep until it answers.
 *      Pinned to the CPU, the writer goes user -> kthread -> user: the
 *      thread runs on the writer's mm lazily.
 *   f  forget the mm lines watched so far
 *   M  as m, keeping the lines watched so far
 *   m  watch the writer's mm_count cache line (class mmcount) and the line
 *      of its mm_cpumask() (class cpumask) for the counting plugin
 *      (tests/plugin/lazytlb-count.c): 'stumaxb wzr, [class]' picks the
 *      class, 'stsetb wzr, [addr]' watches addr's line (atomics that
 *      change nothing); the previous mm's lines are forgotten first.
 *
 * At load it watches, when given, every CPU's copy of the per-CPU variables
 * at the link addresses record= (the arm64 lazy TLB record: class record)
 * and csq= (call_single_queue: class csd), and, with cfd= (cfd_data, whose
 * first member points at the per-CPU call_single_data_t array), every
 * CPU's call_single_data_t for every CPU (class csd). bench.sh takes the
 * addresses from System.map; the kernel runs with nokaslr.
 */
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

struct kbench_thread {
	struct task_struct *task;
	wait_queue_head_t wq;
	struct completion done;
	struct mutex lock;	/* one round trip at a time */
	int pending;
};

static DEFINE_PER_CPU(struct kbench_thread, kbench_threads);
static struct dentry *kbench_file;

static unsigned long record, csq, cfd;
module_param(record, ulong, 0400);
module_param(csq, ulong, 0400);
module_param(cfd, ulong, 0400);

/* The plugin's classes of watched lines. */
enum { W_MMCOUNT = 1, W_RECORD, W_CPUMASK, W_CSD };
#define W_FORGET	0x100

/* A page: the plugin takes the class from the low bits of the address. */
static u8 *kbench_marks;

/* Watch the cache line of @addr as @class. */
/* Set this vCPU's watch class (and with W_FORGET, forget its lines). */
static void kbench_class(int class)
{
	asm volatile(".arch_extension lse\n"
		     "stumaxb wzr, [%0]"
		     : : "r" (&kbench_marks[class & 0xff] + (class & W_FORGET)) : "memory");
}

static void kbench_watch(int class, const void *addr)
{
	/* the class is per vCPU: both markers on one */
	preempt_disable();
	kbench_class(class);
	asm volatile(".arch_extension lse\n"
		     "stsetb wzr, [%0]"
		     : : "r" (addr) : "memory");
	preempt_enable();
}

static void kbench_watch_percpu(void)
{
	int cpu, t;

	for_each_online_cpu(cpu) {
		if (record)
			kbench_watch(W_RECORD, per_cpu_ptr((void __percpu *)record, cpu));
		if (csq)
			kbench_watch(W_CSD, per_cpu_ptr((void __percpu *)csq, cpu));
		if (!cfd)
			continue;
		for_each_online_cpu(t) {
			void __percpu *csd = *(void __percpu **)per_cpu_ptr((void __percpu *)cfd, cpu);

			if (csd)
				kbench_watch(W_CSD, per_cpu_ptr(csd, t));
		}
	}
}

static int kbench_fn(void *arg)
{
	struct kbench_thread *t = arg;

	while (!kthread_should_stop()) {
		wait_event_interruptible(t->wq, READ_ONCE(t->pending) ||
					 kthread_should_stop());
		if (xchg(&t->pending, 0))
			complete(&t->done);
	}
	return 0;
}

static void kbench_round_trip(void)
{
	struct kbench_thread *t = per_cpu_ptr(&kbench_threads, raw_smp_processor_id());

	mutex_lock(&t->lock);
	reinit_completion(&t->done);
	WRITE_ONCE(t->pending, 1);
	wake_up(&t->wq);
	wait_for_completion(&t->done);
	mutex_unlock(&t->lock);
}

static ssize_t kbench_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char c;

	if (!count || get_user(c, ubuf))
		return -EINVAL;
	switch (c) {
	case 'r':
		kbench_round_trip();
		break;
	case 'm':	/* the writer's mm, forgetting those watched so far */
	case 'M':	/* another task's mm, as well: keep the earlier ones */
		if (!current->mm)
			return -EINVAL;
		kbench_watch(W_MMCOUNT | (c == 'm' ? W_FORGET : 0), &current->mm->mm_count);
		kbench_watch(W_CPUMASK | (c == 'm' ? W_FORGET : 0), mm_cpumask(current->mm));
		break;
	case 'f':	/* forget the mm lines watched so far */
		kbench_class(W_MMCOUNT | W_FORGET);
		kbench_class(W_CPUMASK | W_FORGET);
		break;
	default:
		return -EINVAL;
	}
	return count;
}

static const struct file_operations kbench_fops = {
	.owner = THIS_MODULE,
	.write = kbench_write,
};

static void kbench_stop_threads(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct kbench_thread *t = per_cpu_ptr(&kbench_threads, cpu);

		if (t->task)
			kthread_stop(t->task);
		t->task = NULL;
	}
}

static int __init kbench_init(void)
{
	int cpu;

	kbench_marks = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!kbench_marks)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct kbench_thread *t = per_cpu_ptr(&kbench_threads, cpu);
		struct task_struct *task;

		init_waitqueue_head(&t->wq);
		init_completion(&t->done);
		mutex_init(&t->lock);
		task = kthread_create_on_cpu(kbench_fn, t, cpu, "kbench/%u");
		if (IS_ERR(task)) {
			cpus_read_unlock();
			kbench_stop_threads();
			free_page((unsigned long)kbench_marks);
			return PTR_ERR(task);
		}
		t->task = task;
		wake_up_process(task);
	}
	kbench_watch_percpu();
	cpus_read_unlock();
	kbench_file = debugfs_create_file("lazytlb_kbench", 0200, NULL, NULL,
					  &kbench_fops);
	return 0;
}

static void __exit kbench_exit(void)
{
	debugfs_remove(kbench_file);
	kbench_stop_threads();
	free_page((unsigned long)kbench_marks);
}

module_init(kbench_init);
module_exit(kbench_exit);
MODULE_DESCRIPTION("user -> kthread -> user round trips for make bench");
MODULE_LICENSE("GPL");
