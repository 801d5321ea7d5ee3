// libtorch's intra-op thread pool is one per process: two tests running torch operations at once split each other's
// parallel loops differently, which changes reduction orders and so the last bits of results that the determinism tests
// compare. The tests of this assembly therefore run one at a time (as a user's single training run does).
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
