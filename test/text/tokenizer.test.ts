import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CJK_BIGRAM_PREFIX, isCharBigram, tokenize } from '../../src/text/index.js';

describe('tokenize: Latin script', () => {
  it('stems English words and drops stop words', () => {
    const tokens = tokenize('The runners were running quickly to the companies');
    assert.deepEqual(tokens, ['runner', 'run', 'quickli', 'compani']);
  });

  it('keeps stop words and surface forms when asked', () => {
    const tokens = tokenize('The runners were running', { stem: false, stopWords: false });
    assert.deepEqual(tokens, ['the', 'runners', 'were', 'running']);
  });

  it('keeps non-ASCII Latin words whole (natural would cut them)', () => {
    assert.deepEqual(tokenize('Café Müller, Straße; NAÏVE Ærø'), [
      'café',
      'müller',
      'straße',
      'naïve',
      'ærø',
    ]);
  });

  it('applies NFKC and lower-case', () => {
    // Full-width letters and the "ﬁ" ligature are compatibility characters.
    assert.deepEqual(tokenize('ＦＵＬＬ ﬁle', { stem: false }), ['full', 'file']);
  });

  it('folds possessives and contractions', () => {
    assert.deepEqual(tokenize("the company's plans don't", { stem: false }), ['company', 'plans', 'dont']);
  });

  it('maps URLs and long digit runs to shape tokens and keeps currency symbols', () => {
    const tokens = tokenize('WIN £1000! Call 09061701461 or visit http://www.win.com/x?y=1 in 2004');
    assert.deepEqual(tokens, ['win', '£', '1000', 'call', '<num11>', 'visit', '<url>', '2004']);
  });

  it('drops pure punctuation and symbols', () => {
    assert.deepEqual(tokenize('!!! ... --- ??? 😀'), []);
  });

  it('treats Hangul as space-separated words, without character bigrams', () => {
    assert.deepEqual(tokenize('안녕하세요 세계'), ['안녕하세요', '세계']);
  });
});

describe('tokenize: CJK', () => {
  it('segments Chinese into words and adds prefixed character bigrams', () => {
    const tokens = tokenize('新款手机发布');
    const words = tokens.filter((t) => !isCharBigram(t));
    assert.ok(words.includes('手机'), `words: ${words.join('|')}`);
    assert.equal(words.join(''), '新款手机发布');
    const bigrams = tokens.filter(isCharBigram);
    assert.deepEqual(
      bigrams,
      ['新款', '款手', '手机', '机发', '发布'].map((b) => CJK_BIGRAM_PREFIX + b),
    );
  });

  it('keeps punctuation marks, symbols and emoji as tokens only with punctuation', () => {
    const text = 'Free!! Call now :) 《新闻》 ok? £5 😀';
    const o = { stopWords: false, cjkCharBigrams: false };
    assert.deepEqual(tokenize(text, { ...o, punctuation: true }), [
      'free',
      '!',
      '!',
      'call',
      'now',
      ':',
      ')',
      '《',
      '新闻',
      '》',
      'ok',
      '?',
      '£',
      '5',
      '😀',
    ]);
    assert.deepEqual(tokenize(text, o), ['free', 'call', 'now', '新闻', 'ok', '£', '5']);
  });

  it('omits character bigrams when cjkCharBigrams is false', () => {
    const tokens = tokenize('新款手机发布', { cjkCharBigrams: false });
    assert.ok(tokens.length > 0);
    assert.ok(!tokens.some(isCharBigram));
  });

  it('does not build bigrams across punctuation', () => {
    const bigrams = tokenize('中国。北京').filter(isCharBigram);
    assert.deepEqual(bigrams, [CJK_BIGRAM_PREFIX + '中国', CJK_BIGRAM_PREFIX + '北京']);
  });

  it('segments Japanese with kana', () => {
    const words = tokenize('東京の天気は晴れです', { cjkCharBigrams: false });
    assert.ok(words.includes('東京'), words.join('|'));
    assert.equal(words.join(''), '東京の天気は晴れです');
  });

  it('handles mixed-script documents in order', () => {
    const tokens = tokenize('iPhone 发布 新款手机 in Beijing', { cjkCharBigrams: false });
    assert.equal(tokens[0], 'iphon');
    assert.equal(tokens.at(-1), 'beij');
    assert.ok(tokens.includes('发布') && tokens.includes('手机'), tokens.join('|'));
    assert.ok(tokens.indexOf('发布') < tokens.indexOf('手机'));
    assert.ok(!tokens.includes('in'), 'English stop words still apply');
  });

  it('tokenises a 1 MB unpunctuated Chinese string without losing characters', () => {
    const alphabet = Array.from(
      '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经',
    );
    let seed = 12345;
    const chars: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // An astral ideograph (a surrogate pair) right at a chunk boundary must not be split.
      chars.push(i === 999 ? '𠀀' : (alphabet[seed % alphabet.length] as string));
    }
    const text = chars.join('');
    const t0 = performance.now();
    const words = tokenize(text, { cjkCharBigrams: false });
    const seconds = (performance.now() - t0) / 1000;
    assert.ok(seconds < 60, `took ${seconds} s`);
    assert.equal(words.join(''), text);
    assert.ok(
      words.every((w) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(w)),
      'no lone high surrogate',
    );
  });
});
