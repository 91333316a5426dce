// With GCC 12's libstdc++, condition_variable::wait(unique_lock&) is
// GLIBCXX_3.4.30 and std::filesystem::current_path() GLIBCXX_3.4.26.
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>

int main() {
    std::mutex mutex;
    std::condition_variable ready_signal;
    bool ready = true;
    std::unique_lock<std::mutex> lock(mutex);
    ready_signal.wait(lock, [&] { return ready; });
    std::cout << std::filesystem::current_path().string() << '\n';
    return 0;
}
