// examples/custom_reporter: the sample's reporter registers by name and renders the fixed report.
#include "../../examples/custom_reporter/csv_reporter.h"
#include "mutagen/io.h"
#include "report_fixture.h"
#include "test_support.h"

MUTAGEN_REGISTER_REPORTER(CsvReporter);

namespace mutagen {
namespace {

TEST(CustomReporter, RegisteredByNameBesideTheBuiltins) {
  const auto reporters = ReporterRegistry::global().create_list("csv,markdown");
  ASSERT_EQ(reporters.size(), 2u);
  EXPECT_EQ(reporters[0]->name(), "csv");
  const std::string dir = testing_support::temp_dir("csv");
  reporters[0]->write(testing_support::fixture_report(), dir);
  const std::string csv = read_file(dir + "/mutants.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n', csv.find('\n') + 1) + 1),
            "mutant,operator,class,cluster,test_set,status\n"
            "tmr-c0-k0-aaaa0001,tmr,0,0,train,killed\n");
  EXPECT_NE(csv.find("tmr-c0-k1-bbbb0002,tmr,0,1,weak,survived\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("tmr-c7-k0-cccc0003,tmr,7,0,strong,not killable\n"), std::string::npos);
  EXPECT_NE(csv.find("tmr-c7-k1-dddd0004,tmr,7,1,strong,timeout\n"), std::string::npos);
  EXPECT_NE(csv.find("tmr-c7-k2-eeee0005,tmr,7,2,strong,error\n"), std::string::npos);
}

}  // namespace
}  // namespace mutagen
