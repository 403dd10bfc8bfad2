// VADER's JavaScript port (npm vader-sentiment 1.1.3) on labelled rows written by labelled_rows (the rows
// `carelisten eval` scores): three-class accuracy, per-class precision/recall/F1 and macro-F1, with VADER's
// own thresholds (compound >= 0.05 positive, <= -0.05 negative, otherwise neutral).
//
//   node vader_eval.js rows.jsonl        (prints one JSON object)
const fs = require('fs');
const vader = require('vader-sentiment');

const rows = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((line) => line.trim() !== '').map(JSON.parse);
const classes = ['negative', 'neutral', 'positive'];
const counts = Object.fromEntries(classes.map((name) => [name, {tp: 0, fp: 0, fn: 0}]));
let correct = 0;
for (const row of rows) {
  const compound = vader.SentimentIntensityAnalyzer.polarity_scores(row.text).compound;
  const predicted = compound >= 0.05 ? 'positive' : compound <= -0.05 ? 'negative' : 'neutral';
  if (predicted === row.sentiment) {
    ++correct;
    ++counts[predicted].tp;
  } else {
    ++counts[predicted].fp;
    ++counts[row.sentiment].fn;
  }
}
const ratio = (a, b) => (b === 0 ? 0 : a / b);
const result = {rows: rows.length, accuracy: ratio(correct, rows.length), classes: {}};
let macro = 0;
for (const name of classes) {
  const c = counts[name];
  const f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  result.classes[name] = {precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn), f1};
  macro += f1;
}
result.macro_f1 = macro / classes.length;
console.log(JSON.stringify(result));
