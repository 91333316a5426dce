// A shared object needing GLIBCXX_3.4.30 (condition_variable::wait(unique_lock&), GCC 12's
// libstdc++) from libstdc++.so.6.
#include <condition_variable>
#include <mutex>

extern "C" int entry() {
    std::mutex mutex;
    std::condition_variable ready_signal;
    bool ready = true;
    std::unique_lock<std::mutex> lock(mutex);
    ready_signal.wait(lock, [&] { return ready; });
    return 0;
}
