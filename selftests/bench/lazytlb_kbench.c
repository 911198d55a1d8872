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
 *   m  mark the writer's mm_count cache line for the counting plugin:
 *      'stsetb wzr, [&mm->mm_count]', an atomic OR of 0
 *      (tests/plugin/lazytlb-count.c).
 */
#include <linux/completion.h>
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
	case 'm':
		if (!current->mm)
			return -EINVAL;
		asm volatile(".arch_extension lse\n"
			     "stsetb wzr, [%0]"
			     : : "r" (&current->mm->mm_count) : "memory");
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
			return PTR_ERR(task);
		}
		t->task = task;
		wake_up_process(task);
	}
	cpus_read_unlock();
	kbench_file = debugfs_create_file("lazytlb_kbench", 0200, NULL, NULL,
					  &kbench_fops);
	return 0;
}

static void __exit kbench_exit(void)
{
	debugfs_remove(kbench_file);
	kbench_stop_threads();
}

module_init(kbench_init);
module_exit(kbench_exit);
MODULE_DESCRIPTION("user -> kthread -> user round trips for make bench");
MODULE_LICENSE("GPL");
