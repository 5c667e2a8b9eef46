#pragma once
// What a supervised worker tells its supervisor, one line per event on a pipe: "<letter> <trial
// hash>\n". The worker writes them (sweep.cpp); the supervisor reads them to know which trials
// were in flight when the worker died and which stopped making progress.
namespace lossbench::worker_pipe {

constexpr char kStarted = 'S';    // the trial began
constexpr char kEpochDone = 'B';  // it finished an epoch: alive, whatever its length
constexpr char kEnded = 'E';      // it ended, whatever its outcome

}  // namespace lossbench::worker_pipe
