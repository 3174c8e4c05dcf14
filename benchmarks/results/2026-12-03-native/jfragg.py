import json,sys,collections
d=json.load(open(sys.argv[1]))
ev=d['recording']['events']
by=collections.Counter(); top=collections.Counter(); n=0
for e in ev:
    st=e['values'].get('stackTrace')
    if not st: continue
    fr=st['frames']
    names=[f['method']['type']['name']+'.'+f['method']['name'] for f in fr]
    if not any('Explainer.explain' in x or 'Explainer.logits' in x for x in names): continue
    if not any('Explainer.explain' in x for x in names): continue
    n+=1
    # first signstream frame
    sig=[x for x in names if x.startswith('io/signstream')]
    key=sig[0] if sig else names[0]
    # plus the djl frame just below it
    i=names.index(key) if key in names else 0
    djl=names[i-1] if i>0 else names[0]
    by[(key.replace('io/signstream/engine/',''), djl.split('.')[-2]+'.'+djl.split('.')[-1])]+=1
    top[names[0]]+=1
print('samples in explain', n)
for k,v in by.most_common(45): print(f'{v:6d} {100*v/n:5.1f}%  {k[0]}  <- {k[1]}')
print()
for k,v in top.most_common(15): print(f'{v:6d} {100*v/n:5.1f}%  {k}')
