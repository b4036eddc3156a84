// examctl similarity: cross-student similarity over folders of submissions,
// offline. Parses options, runs exam::similarity, prints the report and maps
// errors to exit codes; the work itself is in libexam.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "exam/log.h"
#include "exam/similarity/analysis.h"
#include "exam/similarity/loader.h"
#include "exam/similarity/report.h"

namespace examctl {
namespace {

namespace sim = exam::similarity;

struct SimilarityArguments {
  std::vector<std::string> paths;
  std::vector<std::string> base;
  std::string format;
  std::string output;
  std::optional<std::size_t> top;
  double threshold = sim::SimilarityOptions{}.threshold;
  double max_share = sim::SimilarityOptions{}.max_share;
  uint32_t min_match = sim::SimilarityOptions{}.min_match_tokens;
  uint32_t window = sim::SimilarityOptions{}.window;
  unsigned threads = 0;
  std::uintmax_t max_file_kib = sim::LoadOptions{}.max_file_bytes / 1024;
  std::string language = "python";
  bool no_progress = false;
  bool verbose = false;
};

// A progress bar on stderr, drawn only when stderr is a terminal and the run
// has lasted longer than kDelay, so quick runs and pipes stay quiet.
class TerminalProgress final : public sim::ProgressObserver {
 public:
  explicit TerminalProgress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}

  ~TerminalProgress() override { Finish(); }

  void Update(std::string_view stage, std::size_t done, std::size_t total) override {
    if (!enabled_) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    if (now - started_ < kDelay || (now - last_draw_ < kInterval && done != total)) {
      return;
    }
    last_draw_ = now;
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = total == 0 ? kWidth : done * kWidth / total;
    std::fprintf(stderr, "\r\033[K%-16.*s [%s%s] %zu/%zu", static_cast<int>(stage.size()),
                 stage.data(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total);
    std::fflush(stderr);
    drawn_ = true;
  }

  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (drawn_) {
      std::fputs("\r\033[K", stderr);
      std::fflush(stderr);
      drawn_ = false;
    }
  }

 private:
  static constexpr std::chrono::milliseconds kDelay{500};
  static constexpr std::chrono::milliseconds kInterval{100};
  const bool enabled_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  std::mutex mutex_;
  bool drawn_ = false;
};

int ExitCodeFor(const exam::Error& error) {
  switch (error.code) {
    case exam::ErrorCode::kInvalidArgument:
      return kExitUsage;
    case exam::ErrorCode::kNotFound:
      return kExitNotFound;
    default:
      return kExitFailure;
  }
}

int Fail(const exam::Error& error) {
  std::cerr << "examctl similarity: " << error.message << "\n";
  return ExitCodeFor(error);
}

// Picks the format from --format, else from the -o file's extension, else text.
std::optional<sim::ReportFormat> ChooseFormat(const SimilarityArguments& args) {
  if (!args.format.empty()) {
    return sim::ParseReportFormat(args.format);
  }
  for (const char* extension : {"json", "csv", "html"}) {
    if (args.output.ends_with(std::string(".") + extension)) {
      return sim::ParseReportFormat(extension);
    }
  }
  return sim::ReportFormat::kText;
}

// Prints warnings and skips to stderr when the report itself is not text on
// stdout, where they already appear.
void PrintNotices(const sim::SimilarityReport& report, bool in_report_on_screen) {
  if (in_report_on_screen) {
    return;
  }
  constexpr std::size_t kMaxPrinted = 20;
  std::size_t printed = 0;
  std::size_t hidden = 0;
  for (const sim::Notice& notice : report.notices) {
    if (notice.severity == sim::NoticeSeverity::kNote) {
      continue;
    }
    if (printed == kMaxPrinted) {
      ++hidden;
      continue;
    }
    ++printed;
    const std::string where =
        notice.line > 0 ? fmt::format("{}:{}", notice.path, notice.line) : notice.path;
    std::cerr << fmt::format("{}: {}: {}\n", sim::NoticeSeverityName(notice.severity), where,
                             notice.message);
  }
  if (hidden > 0) {
    std::cerr << fmt::format("... and {} more warnings and skips, listed in the report\n", hidden);
  }
}

int RunSimilarity(const SimilarityArguments& args) {
  const std::optional<sim::ReportFormat> format = ChooseFormat(args);
  if (!format) {
    return Fail(exam::InvalidArgument(
        fmt::format("--format \"{}\" is not supported; use text, json, csv or html", args.format)));
  }

  sim::SimilarityOptions options;
  options.language = args.language;
  options.min_match_tokens = args.min_match;
  options.window = args.window;
  options.max_share = args.max_share;
  options.threshold = args.threshold;
  options.threads = args.threads;
  if (exam::Status valid = sim::ValidateOptions(options); !valid) {
    return Fail(valid.error());
  }

  sim::LoadOptions load_options;
  load_options.max_file_bytes = args.max_file_kib * 1024;
  exam::Result<std::vector<sim::SourceFile>> base = sim::LoadBaseFiles(args.base, load_options);
  if (!base) {
    return Fail(base.error());
  }
  options.base_files = std::move(*base);

  TerminalProgress progress(!args.no_progress);
  exam::Result<sim::LoadedSubmissions> loaded =
      sim::LoadSubmissions(args.paths, load_options, &progress);
  if (!loaded) {
    progress.Finish();
    return Fail(loaded.error());
  }
  exam::Result<sim::SimilarityReport> report =
      sim::AnalyzeSimilarity(std::move(loaded->submissions), options,
                             {&progress, args.verbose ? &exam::StderrJsonLogSink() : nullptr});
  progress.Finish();
  if (!report) {
    return Fail(report.error());
  }
  report->notices.insert(report->notices.begin(), loaded->notices.begin(), loaded->notices.end());
  report->unreadable_students = std::move(loaded->unreadable_students);

  sim::RenderOptions render;
  if (args.top) {
    render.top = *args.top;
  } else {
    render.top = *format == sim::ReportFormat::kText   ? 20
                 : *format == sim::ReportFormat::kHtml ? 100
                                                       : 0;
  }

  const bool to_stdout = args.output.empty() || args.output == "-";
  PrintNotices(*report, to_stdout && *format == sim::ReportFormat::kText);
  if (to_stdout) {
    sim::RenderReport(*report, *format, render, std::cout);
    std::cout.flush();
    return std::cout ? kExitOk : kExitFailure;
  }
  std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
  if (!file) {
    return Fail(exam::Error{exam::ErrorCode::kInternal,
                            fmt::format("cannot write {}: check that the folder exists and is "
                                        "writable",
                                        args.output)});
  }
  sim::RenderReport(*report, *format, render, file);
  file.close();
  if (!file) {
    return Fail(exam::Error{exam::ErrorCode::kInternal,
                            fmt::format("writing {} failed (disk full?)", args.output)});
  }
  std::cerr << fmt::format("wrote {} ({} pairs share code, {} clusters)\n", args.output,
                           report->pairs.size(), report->clusters.size());
  return kExitOk;
}

}  // namespace

void AddSimilarityCommand(CLI::App& app, GlobalOptions&, CommandRegistry& registry) {
  auto args = std::make_shared<SimilarityArguments>();
  CLI::App* command = app.add_subcommand(
      "similarity",
      "Rank pairs of similar submissions in folders, offline. Similarity is evidence for a "
      "person to review, not proof of copying.");
  command
      ->add_option("paths", args->paths,
                   "Folders with one file or sub-folder per student, or students' files")
      ->required();

  command->add_option("--base", args->base,
                      "Starter code given to every student; matches against it do not count "
                      "(repeatable)");
  command->add_option("--format", args->format,
                      "Report format: text, json, csv or html (default: from the -o extension, "
                      "else text)");
  command->add_option("-o,--output", args->output,
                      "Write the report to this file (default: stdout)");
  command->add_option("--top", args->top,
                      "Pairs to list, best first; 0 lists all (default: 20 in text, 100 in "
                      "html, all in json and csv)");
  command
      ->add_option("--threshold", args->threshold,
                   "Similarity from 0 to 1 at which a pair joins a cluster")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--max-share", args->max_share,
                   "Ignore code found in more than this share of the submissions (0 to 1; "
                   "never fewer than 4 submissions)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--min-match", args->min_match,
                   "Shortest match that counts, in tokens; also the fingerprint k-gram length")
      ->capture_default_str()
      ->check(CLI::Range(2u, 1000u));
  command->add_option("--window", args->window, "Winnowing window, in k-grams")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));

  command->add_option("--threads", args->threads, "Worker threads (default: one per core)");
  command->add_option("--max-file-size", args->max_file_kib, "Skip files larger than this, in KiB")
      ->capture_default_str();
  command->add_option("--language", args->language, "Language of the submissions: python")
      ->capture_default_str();
  command->add_flag("--no-progress", args->no_progress, "Never draw a progress bar on stderr");
  command->add_flag("--verbose", args->verbose,
                    "Log the figures of the analysis (pairs, timings) to stderr as JSON lines");

  registry.Add(command, [args] { return RunSimilarity(*args); });
}

}  // namespace examctl
