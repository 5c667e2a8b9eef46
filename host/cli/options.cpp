#include "cli/options.hpp"

#include "util/strings.hpp"

namespace lossbench::cli {

namespace po = boost::program_options;

void parse_or_throw(const std::vector<std::string>& args, const po::options_description& desc,
                    const std::vector<std::string>& positional, po::variables_map& vm) {
  po::positional_options_description pos;
  for (const auto& p : positional) pos.add(p.c_str(), -1);
  try {
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(desc).positional(pos).style(style).run(), vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> names;
    for (const auto& o : desc.options()) names.push_back("--" + o->long_name());
    std::string opt = e.get_option_name();
    throw po::error("unknown option '" + opt + "'" + did_you_mean(opt, names));
  } catch (const po::too_many_positional_options_error&) {
    throw po::error("unexpected argument (this command takes options only)");
  }
  po::notify(vm);
}

}  // namespace lossbench::cli
