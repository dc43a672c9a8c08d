/// The scheduler: queue, filter and score plugins, binding. Filled by the control-loops issue.
public enum SchedulerModule {}
