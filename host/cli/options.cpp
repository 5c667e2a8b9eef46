#include "cli/options.hpp"

#include "util/strings.hpp"

namespace lossbench::cli {

namespace po = boost::program_options;

void store_command_line(const std::vector<std::string>& args,
                        const po::options_description& parse_with,
                        const po::options_description& suggest_from,
                        const std::vector<std::string>& positional, po::variables_map& vm) {
  po::positional_options_description pos;
  for (const auto& p : positional) pos.add(p.c_str(), -1);
  try {
    // No prefix guessing: --epoch is a typo to report, not a silent --epochs.
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(parse_with).positional(pos).style(style).run(),
              vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> names;
    for (const auto& o : suggest_from.options()) names.push_back("--" + o->long_name());
    std::string opt = e.get_option_name();
    throw po::error("unknown option '" + opt + "'" + did_you_mean(opt, names));
  } catch (const po::too_many_positional_options_error&) {
    throw po::error("unexpected argument (this command takes options only)");
  }
}

void parse_or_throw(const std::vector<std::string>& args, const po::options_description& desc,
                    const std::vector<std::string>& positional, po::variables_map& vm) {
  store_command_line(args, desc, desc, positional, vm);
  po::notify(vm);
}

}  // namespace lossbench::cli
