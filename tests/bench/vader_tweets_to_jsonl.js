// Converts VADER's human-rated tweets (Hutto & Gilbert 2014, `tweets_GroundTruth.txt` in the
// cjhutto/vaderSentiment repository, MIT: "<id>\t<mean rating -4..4 of 20 raters>\t<tweet>") into the
// labelled rows `carelisten eval` and vader_eval.js read: {"text", "sentiment", "channel": "social"}.
// The file is not in this repository; it is an evaluation set only, never training data.
//
//   node vader_tweets_to_jsonl.js tweets_GroundTruth.txt [BAND] > tweets.jsonl
//
// A mean rating above BAND is positive, below -BAND negative, otherwise neutral. The default, 0 (the sign of
// the mean, 4 of 4,200 tweets neutral), gives VADER 0.933 accuracy, near the 0.90 the data README quotes for
// it; a band of 0.5 (838 neutral) gives VADER 0.814. docs/benchmarks.md has both.
const fs = require('fs');
const band = process.argv[3] === undefined ? 0 : Number(process.argv[3]);
let bad = 0;
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
  if (line.trim() === '') {
    continue;
  }
  const fields = line.split('\t');
  const rating = Number(fields[1]);
  if (fields.length < 3 || !Number.isFinite(rating)) {
    ++bad;
    continue;
  }
  const text = fields.slice(2).join('\t');
  const sentiment = rating > band ? 'positive' : rating < -band ? 'negative' : 'neutral';
  process.stdout.write(JSON.stringify({text, sentiment, channel: 'social'}) + '\n');
}
if (bad > 0) {
  process.stderr.write(`${bad} malformed lines skipped\n`);
}
