#pragma once
// `ccd classify` and `ccd simulate`: the routing rules tried from the command line, so an
// administrator can test a change before reloading it.
//
//   ccd classify --config config/ccd.yaml "my charger caught fire"
//   ccd classify --config config/ccd.yaml --jsonl samples.jsonl
//   ccd classify --config config/ccd.yaml --explain "the production line stopped"
//   ccd classify --config config/ccd.yaml --jsonl labelled.jsonl --expect   (a report)
//   ccd classify --config config/ccd.yaml --jsonl a.jsonl --jsonl b.jsonl --expect   (one each)
//   ccd simulate --config config/ccd.yaml --events day.jsonl
//
// Both print one JSON object per line (classify --expect prints an evaluation report instead).
// Exit codes: 0 ok, 1 (classify --expect) a message labelled P1 did not come out P1, 2 usage
// error or malformed input line, 3 invalid configuration.

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// `ccd classify`: the triage of each input text (category, confidence, language, sentiment,
/// safety, urgency, priority, queue, SLA deadlines, the rules that matched); --explain adds
/// why, --expect scores labelled lines (routing::Evaluation).
class ClassifyCommand {
public:
    ClassifyCommand(CLI::App& app, std::string& config_path);
    ~ClassifyCommand();
    bool selected() const;
    int run() const;

private:
    struct Options;
    CLI::App* cmd_ = nullptr;
    std::string* config_path_ = nullptr;
    std::unique_ptr<Options> opts_;
};

/// `ccd simulate`: replays a JSON-lines stream of events (messages, agents and their presence,
/// accepts, replies, transfers, resolutions, time passing) through the engine and prints every
/// action it takes.
class SimulateCommand {
public:
    SimulateCommand(CLI::App& app, std::string& config_path);
    ~SimulateCommand();
    bool selected() const;
    int run() const;

private:
    struct Options;
    CLI::App* cmd_ = nullptr;
    std::string* config_path_ = nullptr;
    std::unique_ptr<Options> opts_;
};

}  // namespace ccd::daemon
