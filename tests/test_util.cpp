#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

using namespace lossbench;

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[util]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("suggestions and number formatting", "[util]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(did_you_mean("hubr", {"huber", "mse", "mae"}) == " (did you mean 'huber'?)");
  CHECK(did_you_mean("zzzzzz", {"huber", "mse"}).empty());
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1e-8) == "1e-08");
  CHECK(std::stod(format_double(1.0 / 3)) == 1.0 / 3);
  CHECK(split(" a, b ,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
}

TEST_CASE("every number JSON or CSV can hold is read; shell quoting round-trips through bash",
          "[util]") {
  double v = 0;
  CHECK(parse_double("-2.80205288867e-312", v));
  CHECK(v == -2.80205288867e-312);
  CHECK(std::fpclassify(v) == FP_SUBNORMAL);
  CHECK(parse_double("1e400", v));
  CHECK(v == HUGE_VAL);
  CHECK(parse_double(" 0.5 ", v));
  CHECK(v == 0.5);
  CHECK_FALSE(parse_double("", v));
  CHECK_FALSE(parse_double("1.5x", v));
  CHECK_FALSE(parse_double("1,5", v));

  CHECK(shell_quote("--lr") == "--lr");
  CHECK(shell_quote("0.01,0.1") == "0.01,0.1");
  for (const std::string s :
       {"iris,moons(n=20000)", "linear;mlp(hidden=64x64)", "it's", "", "a b\tc", "$HOME`x`\"!"}) {
    const std::string q = shell_quote(s);
    CHECK(q != s);
    // What bash makes of the quoted word is the word itself.
    FILE* p = ::popen(("printf %s " + q).c_str(), "r");
    REQUIRE(p);
    std::string got;
    for (int c; (c = std::fgetc(p)) != EOF;) got += char(c);
    CHECK(::pclose(p) == 0);
    CHECK(got == s);
  }
}
