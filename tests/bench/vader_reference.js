// Run: cd tests/bench && npm install --no-save vader-sentiment@1.1.3 && taskset -c 1 node vader_reference.js 3
// VADER's JavaScript port (npm vader-sentiment), sentiment only, on the same 25 short messages as
// BM_AnalyzeShort, cycled, on one core: messages per second.
const vader = require('vader-sentiment');
// The 25 messages of BM_AnalyzeShort (tests/bench/nlp_bench.cpp), in the same order.
const messages = [
  "Support, Information provided & Listening.",
  "The fact I was able to have my feet done again after such a long break.",
  "Nothing, was extremely pleased with the service.",
  "Staff at listening to me.",
  "Cannot think of anything particular.",
  "There isn't anything that I can think off that could be done better.",
  "Excellent service, great understanding staff, made sure the whole family was supported.",
  "The standard of care was excellent",
  "Feel like staff winding me up.",
  "Nothing, I'm leaving soon.",
  "Have more regular staff available.",
  "Not put me in a hospital with very old people. Not my thing.",
  "Treating patients in Crisis.  Stop belittling people and calling them names.",
  "Sometimes the clinicians could be a little better.",
  "Only the ward manager is polite.",
  "Listen to me, I'm told that I don't have the capacity even tho they not tested me.  Stop shouting at us.",
  "Some nurses where very interactive, some not so good.",
  "Advocacy, exercise, shop & bank, sport activities.",
  "It's already in the process.",
  "Nothing.",
  "Waited 5 hrs in A&E with my dad, nobody told us ANYTHING!!! @NHSTrust #notgoodenough",
  "thank u so much to the team on ward 7 :) 😀",
  "My wound is red and oozing since the op, no fever though. Who do I call?",
  "I will be speaking to my solicitor about the wrong medication my mum was given.",
  "मुझे यह अस्पताल पसंद है"
];
let sink = 0;
for (let i = 0; i < 20000; ++i) sink += vader.SentimentIntensityAnalyzer.polarity_scores(messages[i % messages.length]).compound;
const seconds = Number(process.argv[2] || 3);
const start = process.cpuUsage();
let n = 0;
for (;;) {
  for (let k = 0; k < 1000; ++k, ++n) sink += vader.SentimentIntensityAnalyzer.polarity_scores(messages[n % messages.length]).compound;
  const used = process.cpuUsage(start);
  const cpu = (used.user + used.system) / 1e6;
  if (cpu >= seconds) { console.log(JSON.stringify({messages: n, cpu_seconds: cpu, per_second: Math.round(n / cpu), sink})); break; }
}
