// Survey answers: digits, full-width digits, "5 stars", "4/5", Chinese and English words.
#include "templates/survey_answer.hpp"

#define BOOST_TEST_MODULE templates_survey_test
#include <boost/test/unit_test.hpp>

using ccd::templates::parseSurveyRating;

BOOST_AUTO_TEST_CASE(digits_and_forms) {
    for (int i = 1; i <= 5; ++i) BOOST_TEST(*parseSurveyRating(std::to_string(i)) == i);
    BOOST_TEST(*parseSurveyRating("５") == 5);
    BOOST_TEST(*parseSurveyRating("  ３ ") == 3);
    BOOST_TEST(*parseSurveyRating("5 stars") == 5);
    BOOST_TEST(*parseSurveyRating("1 star") == 1);
    BOOST_TEST(*parseSurveyRating("4/5") == 4);
    BOOST_TEST(*parseSurveyRating("４／５") == 4);
    BOOST_TEST(*parseSurveyRating("3分") == 3);
    BOOST_TEST(*parseSurveyRating("5星") == 5);
    BOOST_TEST(*parseSurveyRating("5!") == 5);
    BOOST_TEST(*parseSurveyRating("5 Stars.") == 5);
}

BOOST_AUTO_TEST_CASE(simplified_chinese_words) {
    BOOST_TEST(*parseSurveyRating("很满意") == 5);
    BOOST_TEST(*parseSurveyRating("满意") == 4);
    BOOST_TEST(*parseSurveyRating("一般") == 3);
    BOOST_TEST(*parseSurveyRating("不满意") == 2);
    BOOST_TEST(*parseSurveyRating("很不满意") == 1);
    BOOST_TEST(*parseSurveyRating("非常满意！") == 5);
    BOOST_TEST(*parseSurveyRating("满意。") == 4);
}

BOOST_AUTO_TEST_CASE(traditional_chinese_words) {
    BOOST_TEST(*parseSurveyRating("非常滿意") == 5);
    BOOST_TEST(*parseSurveyRating("滿意") == 4);
    BOOST_TEST(*parseSurveyRating("普通") == 3);
    BOOST_TEST(*parseSurveyRating("不滿意") == 2);
    BOOST_TEST(*parseSurveyRating("非常不滿意") == 1);
}

BOOST_AUTO_TEST_CASE(english_words) {
    BOOST_TEST(*parseSurveyRating("Very satisfied") == 5);
    BOOST_TEST(*parseSurveyRating("satisfied") == 4);
    BOOST_TEST(*parseSurveyRating("neutral") == 3);
    BOOST_TEST(*parseSurveyRating("dissatisfied") == 2);
    BOOST_TEST(*parseSurveyRating("VERY DISSATISFIED") == 1);
}

BOOST_AUTO_TEST_CASE(not_a_rating) {
    BOOST_TEST(!parseSurveyRating(""));
    BOOST_TEST(!parseSurveyRating("0"));
    BOOST_TEST(!parseSurveyRating("6"));
    BOOST_TEST(!parseSurveyRating("10"));
    BOOST_TEST(!parseSurveyRating("45"));
    BOOST_TEST(!parseSurveyRating("6/5"));
    BOOST_TEST(!parseSurveyRating("my order 5 arrived broken, the screen has a crack"));
    BOOST_TEST(!parseSurveyRating("我买的第2台也坏了"));
    BOOST_TEST(!parseSurveyRating("I am not satisfied at all with 3 of the parts"));
    BOOST_TEST(!parseSurveyRating("yes"));
    BOOST_TEST(!parseSurveyRating("满意吗"));
    BOOST_TEST(!parseSurveyRating(std::string(200, '5')));
}
