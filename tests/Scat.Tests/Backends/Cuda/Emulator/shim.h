// Host shim for the emulated device (tests only): lets kernels/*.cu compile with g++ as C++17.
// Each kernel runs over its whole grid through scat_emu::run_grid. Kernels without __syncthreads run a block's
// threads one after the other; kernels that synchronise run a block's threads as real threads with a barrier,
// so __shared__ memory keeps its GPU semantics (one copy per block, as blocks run one at a time).
#pragma once
#include <math.h>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct dim3
{
    unsigned int x = 1, y = 1, z = 1;
};
typedef dim3 uint3;

inline thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static

namespace scat_emu
{
struct barrier
{
    std::mutex m;
    std::condition_variable cv;
    unsigned count = 0, total = 0, generation = 0;
    void wait()
    {
        std::unique_lock<std::mutex> lock(m);
        unsigned g = generation;
        if (++count == total)
        {
            count = 0;
            generation++;
            cv.notify_all();
        }
        else
            cv.wait(lock, [&] { return g != generation; });
    }
};

inline thread_local barrier* current_barrier = nullptr;

inline void run_grid(const unsigned* grid, const unsigned* block, bool synchronising, const std::function<void()>& body)
{
    dim3 g{grid[0], grid[1], grid[2]}, b{block[0], block[1], block[2]};
    for (unsigned bz = 0; bz < g.z; bz++)
        for (unsigned by = 0; by < g.y; by++)
            for (unsigned bx = 0; bx < g.x; bx++)
            {
                if (!synchronising)
                {
                    gridDim = g; blockDim = b; blockIdx = dim3{bx, by, bz};
                    for (unsigned tz = 0; tz < b.z; tz++)
                        for (unsigned ty = 0; ty < b.y; ty++)
                            for (unsigned tx = 0; tx < b.x; tx++)
                            {
                                threadIdx = dim3{tx, ty, tz};
                                body();
                            }
                    continue;
                }
                barrier bar;
                bar.total = b.x * b.y * b.z;
                std::vector<std::thread> threads;
                for (unsigned tz = 0; tz < b.z; tz++)
                    for (unsigned ty = 0; ty < b.y; ty++)
                        for (unsigned tx = 0; tx < b.x; tx++)
                            threads.emplace_back([&, tx, ty, tz] {
                                gridDim = g; blockDim = b; blockIdx = dim3{bx, by, bz}; threadIdx = dim3{tx, ty, tz};
                                current_barrier = &bar;
                                body();
                                current_barrier = nullptr;
                            });
                for (auto& t : threads) t.join();
            }
}
} // namespace scat_emu

inline void __syncthreads()
{
    if (scat_emu::current_barrier) scat_emu::current_barrier->wait();
}
